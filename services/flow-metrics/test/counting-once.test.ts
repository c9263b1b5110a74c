import assert from 'node:assert/strict';
import { it } from 'node:test';
import { countsTraffic, directedVolume } from '../src/counting.js';
import { conversation, harness, scrape, sum } from './support.js';

const direct = { service_name: null, service_namespace: null, service_addr: null, service_port: null };

it('the counting rule: a client half always, a server half only when it has no client half', () => {
  assert.equal(countsTraffic({ vantage: 'SRC', match: 'MATCHED' }), true);
  assert.equal(countsTraffic({ vantage: 'SRC', match: 'PEER_MISSING' }), true);
  assert.equal(countsTraffic({ vantage: 'SRC', match: 'EXTERNAL' }), true);
  assert.equal(countsTraffic({ vantage: 'DST', match: 'MATCHED' }), false);
  assert.equal(countsTraffic({ vantage: 'DST', match: 'PEER_MISSING' }), true);
  assert.equal(countsTraffic({ vantage: 'DST', match: 'EXTERNAL' }), true);
  // A server's out is the response.
  assert.deepEqual(directedVolume({ vantage: 'DST', out_bytes: 7, in_bytes: 3, out_pkts: 2, in_pkts: 1 }), { requestBytes: 3, responseBytes: 7, requestPackets: 1, responsePackets: 2 });
});

it('both halves, one half and Service-NAT pairs: the summed bytes are what the traffic moved, once', async () => {
  const h = harness();
  const moved = { request: 0, response: 0 };
  const scenario = [
    // pod -> pod, both ends run an agent
    { vantages: ['SRC', 'DST'] as const, request: 1000, response: 5000, overrides: { ...direct } },
    // pod -> Service VIP -> backend pod (DNAT), both ends
    { vantages: ['SRC', 'DST'] as const, request: 200, response: 800, overrides: {} },
    // a client without agent (its half missing): only the server's half
    { vantages: ['DST'] as const, request: 300, response: 700, overrides: { ...direct, src_workload_name: 'batch' } },
    // the server's half lost: only the client's
    { vantages: ['SRC'] as const, request: 50, response: 60, overrides: { ...direct, dst_workload_name: 'cache' } },
  ];
  const flows = scenario.flatMap((c) => {
    moved.request += c.request;
    moved.response += c.response;
    return conversation([...c.vantages], { request: c.request, response: c.response }, c.overrides);
  });
  // Delivered in any order: the DST half of a MATCHED pair first.
  await h.feed(flows.reverse());

  const bytes = await scrape(h.registry, 'flowmesh_traffic_bytes_total');
  assert.equal(sum(bytes.filter((s) => s.labels.direction === 'request')), moved.request);
  assert.equal(sum(bytes.filter((s) => s.labels.direction === 'response')), moved.response);
  const pair = (dst: string, service: string, direction: string) =>
    bytes.find((s) => s.labels.dst_workload === dst && s.labels.dst_service === service && s.labels.direction === direction && s.labels.src_workload === 'client')?.value;
  assert.equal(pair('web', '', 'request'), 1000);
  assert.equal(pair('web', '', 'response'), 5000);
  assert.equal(pair('web', 'web', 'request'), 200);
  assert.equal(pair('web', 'web', 'response'), 800);
  assert.equal(pair('cache', '', 'response'), 60);
  assert.equal(bytes.find((s) => s.labels.src_workload === 'batch' && s.labels.direction === 'request')?.value, 300);

  // Latency from client halves only (3 of them, 2 ms each), never the server's 900 ms.
  const count = await scrape(h.registry, 'flowmesh_traffic_latency_seconds_count');
  assert.equal(sum(count), 3);
  const latencySum = sum(await scrape(h.registry, 'flowmesh_traffic_latency_seconds_sum'));
  assert.ok(Math.abs(latencySum - 0.006) < 1e-9, `latency sum ${latencySum}`);
  const buckets = await scrape(h.registry, 'flowmesh_traffic_latency_seconds_bucket');
  const le = (bound: string) => sum(buckets.filter((s) => s.labels.le === bound));
  assert.equal(le('0.001'), 0);
  assert.equal(le('0.0025'), 3);
  assert.equal(le('+Inf'), 3);
  // Retransmits of the counted ends: three clients (1 each) and the lone server half (50).
  assert.equal(sum(await scrape(h.registry, 'flowmesh_traffic_retransmits_total')), 53);
  // Cross-zone: every sample conversation goes zone-a -> zone-b.
  assert.equal(sum(await scrape(h.registry, 'flowmesh_traffic_cross_zone_bytes_total')), moved.request + moved.response);
  const records = await scrape(h.registry, 'flowmesh_flow_metrics_records_total');
  assert.equal(records.find((s) => s.labels.result === 'not_counted_peer_half')?.value, 2);
  assert.equal(records.find((s) => s.labels.result === 'counted')?.value, 4);
  // Every record's offset is complete once aggregated, counted or not.
  assert.equal(h.completed.length, flows.length);
});

it('same-zone and zone-less pairs are not cross-zone', async () => {
  const h = harness();
  await h.feed([
    ...conversation(['SRC'], { request: 10, response: 20 }, { dst_zone: 'zone-a' }),
    ...conversation(['SRC'], { request: 1, response: 2 }, { dst_zone: null, dst_workload_name: 'other-web' }),
  ]);
  assert.equal((await scrape(h.registry, 'flowmesh_traffic_cross_zone_bytes_total')).length, 0);
  assert.equal(sum(await scrape(h.registry, 'flowmesh_traffic_bytes_total')), 33);
});

it('synthetic records are counted by default and left out with skipSynthetic', async () => {
  for (const skipSynthetic of [false, true]) {
    const h = harness({ skipSynthetic });
    await h.feed(conversation(['SRC'], { request: 10, response: 20 }, { synthetic: true }));
    assert.equal(sum(await scrape(h.registry, 'flowmesh_traffic_bytes_total')), skipSynthetic ? 0 : 30);
  }
});
