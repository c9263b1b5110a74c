import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveCapabilities, parseKernelRelease, probeProblems } from '../src/capabilities.js';
import { ipv4FromFibTrie, ipv6FromIfInet6 } from '../src/halves/netns-addresses.js';
import { netnsPath } from '../src/netns.js';

const ROOT_STATUS = 'Name:\tnode\nCapEff:\t000001ffffffffff\n';
const USER_STATUS = 'Name:\tnode\nCapEff:\t0000000000000000\n';
const BPF_ONLY = `CapEff:\t${((1n << 39n) | (1n << 38n)).toString(16).padStart(16, '0')}\n`;
const yes = () => true;

test('names everything the eBPF source is missing', () => {
  assert.deepEqual(probeProblems({ kernelRelease: '6.18.4', statusText: ROOT_STATUS, loaderPath: '/x', canRead: yes, canExecute: yes }), []);
  assert.deepEqual(probeProblems({ kernelRelease: '6.1.0', statusText: BPF_ONLY, loaderPath: '/x', canRead: yes, canExecute: yes }), []);
  const problems = probeProblems({ kernelRelease: '5.4.0-150-generic', statusText: USER_STATUS, loaderPath: '/opt/loader', canRead: () => false, canExecute: () => false });
  assert.equal(problems.length, 4);
  assert.match(problems[0]!, /^not root/);
  assert.match(problems[1]!, /^kernel too old: 5\.4\.0-150-generic, need 5\.17/);
  assert.match(problems[2]!, /^no BTF/);
  assert.match(problems[3]!, /^probe not built: \/opt\/loader/);
});

test('parses capability masks and kernel releases', () => {
  assert.equal(effectiveCapabilities(ROOT_STATUS), 0x1ffffffffffn);
  assert.equal(effectiveCapabilities('nothing'), 0n);
  assert.deepEqual(parseKernelRelease('6.18.44-fc-v595'), [6, 18]);
  assert.equal(parseKernelRelease('weird'), null);
});

test('--netns takes a namespace file or a pid', () => {
  assert.equal(netnsPath('/var/run/netns/node-a'), '/var/run/netns/node-a');
  assert.equal(netnsPath('4242', '/host/proc'), '/host/proc/4242/ns/net');
});

test('reads a namespace\'s own addresses from fib_trie and if_inet6', () => {
  const fib = [
    'Main:', '  +-- 0.0.0.0/0 3 0 5', '     |-- 10.77.0.0', '        /24 link UNICAST',
    'Local:', '  +-- 0.0.0.0/0 3 0 5', '     |-- 10.77.0.2', '        /32 host LOCAL', '     |-- 10.77.0.255', '        /32 link BROADCAST',
    '     |-- 127.0.0.1', '        /32 host LOCAL', '     |-- 10.77.0.2', '        /32 host LOCAL', '',
  ].join('\n');
  assert.deepEqual(ipv4FromFibTrie(fib), ['10.77.0.2']);
  const inet6 = ['00000000000000000000000000000001 01 80 10 80       lo', 'fd000000000000000000000000000002 02 40 00 80     eth0', 'fe800000000000000000000000000001 02 40 20 80     eth0'].join('\n');
  assert.deepEqual(ipv6FromIfInet6(inet6), ['fd00::2']);
});
