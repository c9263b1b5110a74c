import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CidrSet } from '@flowmesh/lib';
import { openGeoLookup } from '../src/geo/geoip.js';
import { FLOWS } from './helpers/cluster-fixture.js';
import { testEnricher } from './helpers/enricher-setup.js';
import { writeGeoDatabases } from '@flowmesh/lib/testing';
import { MemorySource } from './helpers/memory-source.js';
import { EXPECTED_GEO, SCENARIO_NAMES, assertScenario } from './helpers/scenarios.js';

test('every scenario enriches as expected, in one batch, with two rounds of reads', async () => {
  const source = new MemorySource();
  const { enricher } = testEnricher(source, { geo: await openGeoLookup(writeGeoDatabases()) });
  const out = await enricher.enrich(SCENARIO_NAMES.map((name) => FLOWS[name]));
  SCENARIO_NAMES.forEach((name, i) => assertScenario(name, out[i], name === 'podToExternal' ? EXPECTED_GEO : {}));
  assert.equal(source.fetches, 2);
});

test('the flat mapping: client is src, out is what the reporting end sent, latency in ms', async () => {
  const source = new MemorySource();
  const { enricher } = testEnricher(source);
  const joined = { ...FLOWS.podToPod, half: { ...FLOWS.podToPod.half, vantage: 'DST' as const, srtt_us: 1500, bytes_sent: 10, bytes_received: 20, packets_sent: 1, packets_received: 2 } };
  const [flow] = await enricher.enrich([joined]);
  assert.ok(flow);
  assert.equal(flow.src_addr, '10.244.1.7');
  assert.equal(flow.dst_addr, '10.244.2.9');
  assert.equal(flow.vantage, 'DST');
  assert.deepEqual([flow.out_bytes, flow.in_bytes, flow.out_pkts, flow.in_pkts], [10, 20, 1, 2]);
  assert.equal(flow.latency_ms, 1.5);
  assert.equal(flow.cluster_id, 'test-cluster');
  assert.equal(flow.reporter_node, joined.half.node);
  assert.equal(flow.timestamp, joined.half.window_start);
  assert.equal(flow.window_end, joined.half.window_end);
});

test('without a GeoIP database external ends carry no geo', async () => {
  const source = new MemorySource();
  const { enricher } = testEnricher(source);
  const [flow] = await enricher.enrich([FLOWS.podToExternal]);
  assertScenario('podToExternal', flow, { dst_geo_country: null, dst_asn: null });
});

test('an address inside a cluster CIDR that the view does not know is unknown, not external', async () => {
  const ranges = CidrSet.parse(['10.244.0.0/16']);
  const source = new MemorySource(new Map());
  const { metadata } = testEnricher(source);
  const { BatchEnricher } = await import('../src/enrich/batch-enricher.js');
  const enricher = new BatchEnricher(metadata, null, { clusterId: 'c', skewToleranceMs: 0, clusterRanges: ranges });
  const [inside, outside] = await enricher.enrich([
    { ...FLOWS.reusedIpLate, src: { ...FLOWS.reusedIpLate.src, ip: '10.244.7.7' }, dst: { ...FLOWS.reusedIpLate.dst, ip: '10.245.0.1', node: null } },
    FLOWS.podToExternal,
  ]);
  assert.equal(inside?.src_object_type, 'unknown');
  assert.equal(inside?.dst_object_type, 'external');
  assert.equal(inside?.enrichment, 'PARTIAL');
  assert.equal(outside?.dst_object_type, 'external');
});

test('each end carries its node zone: from the node the agent named, else from the pod node (one more round, only then)', async () => {
  const source = new MemorySource();
  const { enricher } = testEnricher(source);
  const [matched] = await enricher.enrich([FLOWS.podToPod]);
  assert.deepEqual([matched?.src_zone, matched?.dst_zone], ['zone-a', 'zone-b']);
  assert.equal(source.fetches, 2);

  // The server end reported by no agent: its node (node-b) is known only from its pod record.
  const fresh = new MemorySource();
  const unmatched = testEnricher(fresh).enricher;
  const serverWithoutAgent = { ...FLOWS.podToPod, match: 'PEER_MISSING' as const, dst: { ...FLOWS.podToPod.dst, node: null, pid: null, process_name: null, cmdline: null, container_id: null } };
  const [flow] = await unmatched.enrich([serverWithoutAgent]);
  assert.equal(flow?.dst_node, 'node-b');
  assert.deepEqual([flow?.src_zone, flow?.dst_zone], ['zone-a', 'zone-b']);
  assert.equal(fresh.fetches, 3);

  const [external] = await enricher.enrich([FLOWS.podToExternal]);
  assert.deepEqual([external?.src_zone, external?.dst_zone], ['zone-a', null]);
});
