/** The graph builder on its own: Service hops, collapsed namespaces, filters, and quantiles from summed buckets. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildGraph, parseGraphQuery, quantile, type PairSeries, type Sample } from '../src/index.js';

const pair = (src: string, dst: string, service = '', extra: Record<string, string> = {}) => {
  const [sns, sw] = src.split('/');
  const [dns, dw] = dst.split('/');
  return { src_namespace: sns!, src_workload_kind: 'Deployment', src_workload: sw!, dst_namespace: dns!, dst_workload_kind: 'Deployment', dst_workload: dw!, dst_service: service, protocol: 'tcp', dst_port_class: '8080', ...extra };
};

function series(pairs: Record<string, string>[], bytes: number[]): PairSeries {
  const samples = (values: number[]): Sample[] => pairs.map((labels, i) => ({ labels, value: values[i]! }));
  const buckets = pairs.flatMap((labels, i) => [
    { labels: { ...labels, le: '0.001' }, value: i === 0 ? 1 : 0 },
    { labels: { ...labels, le: '0.01' }, value: 2 },
    { labels: { ...labels, le: '+Inf' }, value: 2 },
  ]);
  return {
    requestBytesPerSecond: samples(bytes),
    responseBytesPerSecond: samples(bytes.map(() => 0)),
    bytes: samples(bytes),
    totalBytes: samples(bytes),
    packetsPerSecond: pairs.map((labels) => ({ labels: { ...labels, direction: 'request' }, value: 10 })),
    connectionsPerSecond: samples(bytes.map(() => 1)),
    retransmitsPerSecond: samples(bytes.map(() => 1)),
    latencyBuckets: buckets,
    externalInfo: [],
  };
}

const pairs = [pair('shop/frontend', 'shop/catalog', 'catalog'), pair('shop/loadgen', 'shop/catalog', 'catalog'), pair('default/client', 'shop/frontend')];

it('a dialled Service is a hop of its own; the hop to the backend sums its clients', () => {
  const graph = buildGraph(series(pairs, [100, 50, 7]), parseGraphQuery(new URLSearchParams()));
  const edge = (id: string) => graph.edges.find((e) => e.id === id);
  assert.equal(edge('workload:shop/Deployment/frontend->service:shop/catalog')?.bytesPerSecond, 100);
  assert.equal(edge('service:shop/catalog->workload:shop/Deployment/catalog')?.bytesPerSecond, 150);
  assert.equal(edge('service:shop/catalog->workload:shop/Deployment/catalog')?.retransmitRatio, 2 / 20);
  assert.equal(graph.nodes.find((n) => n.id === 'workload:shop/Deployment/catalog')?.parent, 'namespace:shop');
});

it('a collapsed namespace is one node; a namespace filter keeps conversations with an end in it', () => {
  const collapsed = buildGraph(series(pairs, [100, 50, 7]), parseGraphQuery(new URLSearchParams('collapse=shop')));
  assert.deepEqual(collapsed.edges.map((e) => e.id).sort(), ['namespace:shop->namespace:shop', 'workload:default/Deployment/client->namespace:shop']);
  // The Service hops fold away: each conversation counted once.
  assert.equal(collapsed.edges.find((e) => e.id === 'namespace:shop->namespace:shop')?.bytesPerSecond, 150);
  const filtered = buildGraph(series(pairs, [100, 50, 7]), parseGraphQuery(new URLSearchParams('namespace=default')));
  assert.deepEqual(filtered.edges.map((e) => e.id), ['workload:default/Deployment/client->workload:shop/Deployment/frontend']);
  assert.deepEqual(filtered.namespaces, ['default', 'shop']);
});

it('quantiles interpolate within summed buckets as histogram_quantile does', () => {
  const buckets = new Map([[0.001, 1], [0.01, 4], [Infinity, 4]]);
  assert.equal(quantile(0.25, buckets), 0.001);
  assert.ok(Math.abs(quantile(0.5, buckets)! - (0.001 + 0.009 * (1 / 3))) < 1e-12);
  assert.equal(quantile(0.5, new Map([[Infinity, 0]])), null);
});
