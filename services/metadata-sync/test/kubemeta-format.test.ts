/** The view's format rules the reader applies: which interval answers a lookup, key normalisation, announcements. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type IpInterval, KubemetaKeys, encodeChanges, normalizeContainerId, normalizeIp, parseChangeMessage, selectInterval } from '@flowmesh/lib';

const interval = (name: string, from: number, to: number | null, extra: Partial<IpInterval> = {}): IpInterval => ({
  kind: 'pod',
  namespace: 'ns',
  name,
  uid: name,
  from,
  to,
  hostNetwork: false,
  ...extra,
});

describe('selectInterval', () => {
  test('the interval containing the time; from inclusive, to exclusive', () => {
    const history = [interval('a', 100, 200), interval('b', 200, null)];
    assert.equal(selectInterval(history, 99), null);
    assert.equal(selectInterval(history, 100)?.name, 'a');
    assert.equal(selectInterval(history, 199)?.name, 'a');
    assert.equal(selectInterval(history, 200)?.name, 'b');
    assert.equal(selectInterval(history, 10_000)?.name, 'b');
  });

  test('overlapping holders: the newest start wins, host-network pods only when nothing else held it', () => {
    // A deletion seen late overlaps the next holder's start: from that start on, the address is the new holder's.
    assert.equal(selectInterval([interval('old', 100, 300), interval('new', 250, null)], 260)?.name, 'new');
    assert.equal(selectInterval([interval('old', 100, 300), interval('new', 250, null)], 240)?.name, 'old');
    const node = interval('node-1', 50, null, { kind: 'node', namespace: null });
    const hostPod = interval('kube-proxy', 150, null, { hostNetwork: true });
    assert.equal(selectInterval([node, hostPod], 200)?.name, 'node-1');
    assert.equal(selectInterval([hostPod], 200)?.name, 'kube-proxy');
  });

  test('outside every interval, the nearest within the tolerance answers (clock skew)', () => {
    const history = [interval('a', 1_000, 2_000), interval('b', 5_000, null)];
    assert.equal(selectInterval(history, 990)?.name, undefined);
    assert.equal(selectInterval(history, 990, 50)?.name, 'a');
    assert.equal(selectInterval(history, 2_030, 50)?.name, 'a');
    assert.equal(selectInterval(history, 4_990, 50)?.name, 'b');
    assert.equal(selectInterval(history, 3_000, 50), null);
  });
});

test('keys normalise addresses and container ids the way node agents report them', () => {
  const keys = new KubemetaKeys('km');
  assert.equal(keys.ip('::ffff:10.0.0.5'), 'km:v1:ip:10.0.0.5');
  assert.equal(normalizeIp('FD00::1'), 'fd00::1');
  assert.equal(keys.container('containerd://ABC'), 'km:v1:ctr:abc');
  assert.equal(normalizeContainerId('cri-o://abc'), 'abc');
  assert.equal(keys.nameOf('km:v1:pod:ns/p'), 'pod:ns/p');
  assert.equal(keys.nameOf('km:v1:meta'), undefined);
  assert.equal(keys.nameOf('other:v1:pod:ns/p'), undefined);
});

test('announcements name the changed keys, split into bounded messages; unreadable means everything', () => {
  const names = Array.from({ length: 5 }, (_, i) => `pod:ns/p${i}` as const);
  const messages = encodeChanges(names, 2);
  assert.equal(messages.length, 3);
  assert.deepEqual(messages.flatMap(parseChangeMessage), names.map((n) => ({ kind: 'pod', id: n.slice(4) })));
  assert.deepEqual(parseChangeMessage(encodeChanges('all')[0]!), [{ kind: 'all' }]);
  assert.deepEqual(parseChangeMessage('garbage'), [{ kind: 'all' }]);
});
