import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sampleEnriched } from '@flowmesh/lib/testing';
import { DEFAULT_PORT_CLASSES } from '../src/options.js';
import { PairLabeller } from '../src/pair-labels.js';
import { conversation, harness, scrape, sum } from './support.js';

const labeller = (granularity: 'namespace' | 'workload' | 'pod' = 'workload', externalGrouping: 'asn' | 'country' | 'city' = 'asn') =>
  new PairLabeller({ granularity, portClasses: DEFAULT_PORT_CLASSES, externalGrouping });
const labelsOf = (l: PairLabeller, flow = sampleEnriched()) => Object.fromEntries(l.names.map((name, i) => [name, l.values(flow)[i]]));

const external = {
  dst_object_type: 'external',
  dst_object_name: null,
  dst_object_namespace: null,
  dst_workload_name: null,
  dst_workload_namespace: null,
  dst_workload_kind: null,
  dst_node: null,
  dst_zone: null,
  dst_geo_country: 'NL',
  dst_geo_city: 'Amsterdam',
  dst_asn: 64500,
  dst_asn_org: 'Example Transit',
  dst_geo_latitude: 52.3676,
  dst_geo_longitude: 4.9041,
  dst_port: 443,
  match: 'EXTERNAL',
} as const;

it('pair labels: workloads, Service, protocol, port class and zones; never addresses', () => {
  assert.deepEqual(labelsOf(labeller()), {
    src_namespace: 'default',
    src_workload_kind: 'Deployment',
    src_workload: 'client',
    dst_namespace: 'default',
    dst_workload_kind: 'Deployment',
    dst_workload: 'web',
    dst_service: 'web',
    protocol: 'tcp',
    dst_port_class: '8080',
    src_zone: 'zone-a',
    dst_zone: 'zone-b',
  });
  assert.equal(labelsOf(labeller(), sampleEnriched({ dst_port: 31337, protocol: 17 })).dst_port_class, 'other');
  assert.equal(labelsOf(labeller(), sampleEnriched({ protocol: 17 })).protocol, 'udp');
  const host = labelsOf(labeller(), sampleEnriched({ src_object_type: 'node', src_node: 'node-a', src_object_name: 'node-a', src_workload_name: null, src_workload_kind: null, src_workload_namespace: null }));
  assert.deepEqual([host.src_namespace, host.src_workload_kind, host.src_workload], ['', 'node', 'node-a']);
});

it('label granularity: namespace pairs drop the workload names, pod pairs add the pods', () => {
  const ns = labelsOf(labeller('namespace'));
  assert.deepEqual([ns.src_namespace, ns.src_workload_kind, ns.src_workload, ns.dst_workload], ['default', 'Deployment', '', '']);
  const pod = labelsOf(labeller('pod'));
  assert.deepEqual([pod.src_pod, pod.dst_pod, pod.src_workload], ['client-7d9f', 'web-5c6b', 'client']);
});

it('external peers: grouped by AS (or country, city), with their GeoIP details in an info series', async () => {
  const flow = sampleEnriched({ ...external });
  assert.equal(labelsOf(labeller(), flow).dst_workload, 'AS64500');
  assert.equal(labelsOf(labeller(), flow).dst_workload_kind, 'external');
  assert.equal(labelsOf(labeller(), flow).dst_namespace, '');
  assert.equal(labelsOf(labeller('workload', 'country'), flow).dst_workload, 'NL');
  assert.equal(labelsOf(labeller('workload', 'city'), flow).dst_workload, 'NL/Amsterdam');
  assert.equal(labelsOf(labeller(), sampleEnriched({ ...external, dst_asn: null })).dst_workload, 'NL');

  const h = harness();
  await h.feed([flow]);
  const info = await scrape(h.registry, 'flowmesh_traffic_external_info');
  assert.equal(info.length, 1);
  assert.deepEqual(
    { ...info[0]!.labels, service: undefined },
    { external: 'AS64500', country: 'NL', city: 'Amsterdam', asn: '64500', org: 'Example Transit', latitude: '52.3676', longitude: '4.9041', service: undefined },
  );
});

it('cardinality cap: past max pairs new pairs fold into "other", totals stay exact, the overflow is counted', async () => {
  const h = harness({ maxPairs: 5 });
  const flows = Array.from({ length: 20 }, (_, i) => conversation(['SRC'], { request: 100 + i, response: 1 }, { dst_workload_name: `web-${i}` })[0]!);
  await h.feed(flows);
  assert.equal(h.store.size, 5);
  const requests = (await scrape(h.registry, 'flowmesh_traffic_bytes_total')).filter((s) => s.labels.direction === 'request');
  assert.equal(requests.length, 5);
  assert.equal(sum(requests), flows.reduce((total, f) => total + f.out_bytes, 0));
  const other = requests.find((s) => s.labels.dst_workload === 'other')!;
  assert.equal(other.labels.src_zone, 'other');
  assert.equal(other.value, flows.slice(4).reduce((total, f) => total + f.out_bytes, 0));
  assert.equal(sum(await scrape(h.registry, 'flowmesh_flow_metrics_overflow_total')), 16);
  assert.equal(sum(await scrape(h.registry, 'flowmesh_flow_metrics_series')), 5);
});

it('pairs not updated for the TTL are removed, freeing room under the cap', async () => {
  const h = harness({ maxPairs: 3, seriesTtlMs: 10_000 });
  await h.feed(conversation(['SRC'], { request: 1, response: 1 }, { dst_workload_name: 'old' }));
  h.clock.now += 6_000;
  await h.feed(conversation(['SRC'], { request: 1, response: 1 }, { dst_workload_name: 'recent' }));
  h.clock.now += 6_000;
  await h.processor.onTick();
  const workloads = (await scrape(h.registry, 'flowmesh_traffic_bytes_total')).map((s) => s.labels.dst_workload);
  assert.deepEqual([...new Set(workloads)], ['recent']);
  assert.equal(sum(await scrape(h.registry, 'flowmesh_flow_metrics_expired_total')), 1);
  await h.feed(conversation(['SRC'], { request: 1, response: 1 }, { dst_workload_name: 'new' }));
  assert.equal(h.store.size, 2);
});
