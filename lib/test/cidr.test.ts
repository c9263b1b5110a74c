import assert from 'node:assert/strict';
import { BlockList, isIPv6 } from 'node:net';
import { test } from 'node:test';
import { CidrSet, Prng, parseIpv4, parseIpv6 } from '@flowmesh/lib';

test('parses IPv4 and IPv6 text, rejecting what is not an address', () => {
  assert.equal(parseIpv4('10.1.2.3'), 0x0a010203);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  // Leading zeros are refused (as net.isIPv4 does): "010" reads as octal to some tools, and one address must have one text.
  for (const bad of ['10.1.2', '10.1.2.3.4', '256.1.1.1', '1..2.3', '1.2.3.', 'a.b.c.d', '', '1234.1.1.1', '10.0.0.01', '010.1.2.3']) assert.equal(parseIpv4(bad), null, bad);
  assert.equal(parseIpv4('10.0.0.0'), 0x0a000000);
  assert.deepEqual(parseIpv6('fd00::1'), [0xfd00, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(parseIpv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(parseIpv6('::ffff:10.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x0a00, 1]);
  assert.deepEqual(parseIpv6('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9']) assert.equal(parseIpv6(bad), null, bad);
});

test('parses IPv6 as node:net does: the same texts accepted, to the same address', () => {
  const rng = new Prng(11);
  const pieces = ['0', '1', 'f', 'ff', 'fff', 'ffff', 'FfFf', '12345', 'g', '', ':', '::', '1.2.3.4', '255.0.0.1', '01.2.3.4', '.', '1%eth0', '1%', '1% x', '%'];
  for (let i = 0; i < 20_000; i++) {
    const parts = Array.from({ length: rng.int(1, 10) }, () => pieces[rng.int(0, pieces.length - 1)]!);
    const text = parts.join(rng.chance(0.8) ? ':' : '');
    const groups = parseIpv6(text);
    assert.equal(groups !== null, isIPv6(text), text);
    if (groups === null) continue;
    assert.equal(groups.length, 8, text);
    const same = new BlockList();
    same.addAddress(text, 'ipv6');
    assert.ok(same.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6'), `${text} -> ${groups}`);
  }
});

test('reports every invalid entry at once', () => {
  assert.deepEqual(CidrSet.problems(['10.0.0.0/8', '10.0.0.0/33', 'fd00::/129', 'nope', '1.2.3.4/']), [
    '10.0.0.0/33: IPv4 prefix must be 0-32',
    'fd00::/129: IPv6 prefix must be 0-128',
    'nope: not an IPv4 or IPv6 CIDR',
    '1.2.3.4/: IPv4 prefix must be 0-32',
  ]);
  assert.throws(() => CidrSet.parse(['x']), /x: not an IPv4/);
});

test('agrees with node:net BlockList on random addresses and ranges', () => {
  const rng = new Prng(7);
  for (let round = 0; round < 50; round++) {
    const entries: string[] = [];
    const reference = new BlockList();
    for (let i = 0; i < 4; i++) {
      const v4 = `${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`;
      const p4 = rng.int(0, 32);
      entries.push(`${v4}/${p4}`);
      reference.addSubnet(v4, p4, 'ipv4');
      const v6 = `fd${rng.int(0, 255).toString(16).padStart(2, '0')}:${rng.int(0, 0xffff).toString(16)}::${rng.int(0, 0xffff).toString(16)}`;
      const p6 = rng.int(8, 128); // BlockList also matches IPv4 addresses against ::/0; CidrSet keeps the families apart
      entries.push(`${v6}/${p6}`);
      reference.addSubnet(v6, p6, 'ipv6');
    }
    const set = CidrSet.parse(entries);
    for (let i = 0; i < 200; i++) {
      const v4 = `${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`;
      assert.equal(set.contains(v4), reference.check(v4, 'ipv4'), `${v4} in ${entries}`);
      const v6 = `fd${rng.int(0, 255).toString(16).padStart(2, '0')}:${rng.int(0, 0xffff).toString(16)}::${rng.int(0, 0xffff).toString(16)}`;
      assert.equal(set.contains(v6), reference.check(v6, 'ipv6'), `${v6} in ${entries}`);
    }
  }
});

test('an IPv4-mapped IPv6 address is checked against the IPv4 ranges', () => {
  const set = CidrSet.parse(['10.0.0.0/8']);
  assert.equal(set.contains('::ffff:10.9.8.7'), true);
  assert.equal(set.contains('::ffff:11.9.8.7'), false);
  assert.equal(set.contains('not-an-ip'), false);
});
