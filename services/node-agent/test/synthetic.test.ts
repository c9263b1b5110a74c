import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordCodec, flowKey, type FlowHalf } from '@flowmesh/lib';
import { SyntheticCluster } from '../src/synthetic/generator.js';

const windows = (count: number, ms = 10_000) => Array.from({ length: count }, (_, i) => ({ start: 1_763_700_000_000 + i * ms, end: 1_763_700_000_000 + (i + 1) * ms }));

function run(options: ConstructorParameters<typeof SyntheticCluster>[0], count = 6): FlowHalf[] {
  const cluster = new SyntheticCluster(options);
  return windows(count).flatMap((w) => cluster.halvesForWindow(w));
}

test('produces the configured rate of valid, synthetic halves, reproducibly', () => {
  const halves = run({ seed: 7, conversationsPerSecond: 5 });
  assert.ok(halves.length > 300, `${halves.length} halves`);
  assert.deepEqual(run({ seed: 7, conversationsPerSecond: 5 }), halves, 'same seed, same halves');
  const codec = RecordCodec.local('FlowHalf');
  for (const half of halves) {
    assert.equal(half.synthetic, true);
    assert.deepEqual({ ...codec.decode(codec.encode(half)) }, half);
  }
});

test('both vantage points agree: same key and window, mirrored bytes, VIP on the client side, pod IP on the server side', () => {
  const halves = run({ seed: 3, conversationsPerSecond: 10 });
  const byConversation = new Map<string, FlowHalf[]>();
  for (const half of halves) {
    const id = `${flowKey(half.protocol, half.client_ip, half.client_port)}@${half.window_start}`;
    byConversation.set(id, [...(byConversation.get(id) ?? []), half]);
  }
  let nat = 0;
  let external = 0;
  for (const [id, group] of byConversation) {
    const src = group.filter((h) => h.vantage === 'SRC');
    const dst = group.filter((h) => h.vantage === 'DST');
    assert.ok(src.length <= 1 && dst.length <= 1, id);
    if (src[0] && dst[0]) {
      assert.equal(src[0].bytes_sent, dst[0].bytes_received, id);
      assert.equal(src[0].bytes_received, dst[0].bytes_sent, id);
      if (src[0].server_ip !== dst[0].server_ip) {
        nat++;
        assert.match(src[0].server_ip, /^10\.96\./, 'the client dialled a Service VIP');
        assert.match(dst[0].server_ip, /^10\.244\./, 'the server saw its pod IP');
      }
    } else {
      external++;
      const only = (src[0] ?? dst[0])!;
      assert.ok(!/^10\./.test(only.vantage === 'SRC' ? only.server_ip : only.client_ip), `one half only when the peer is outside: ${id}`);
    }
  }
  assert.ok(nat > 50, `NAT'd service calls: ${nat}`);
  assert.ok(external > 5, `external peers: ${external}`);
  assert.ok(halves.some((h) => h.protocol === 17 && h.server_port === 53), 'DNS over UDP');
  assert.ok(halves.some((h) => h.opened) && halves.some((h) => h.closed));
});

test('can emit only some nodes\' halves, so several synthetic agents split one cluster', () => {
  const all = run({ seed: 5, nodes: 3 });
  const split = ['node-1', 'node-2', 'node-3'].flatMap((node) => run({ seed: 5, nodes: 3, reportingNodes: [node] }));
  const sortKey = (h: FlowHalf) => `${h.window_start}|${h.node}|${h.vantage}|${h.client_ip}|${h.client_port}`;
  assert.deepEqual(split.map(sortKey).sort(), all.map(sortKey).sort());
});
