/** A big map's overview: namespaces collapsed and summed, the expanded ones whole, small maps answered as they are. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BIG_MAP_ELEMENTS, buildGraph, buildMap, parseGraphQuery, type Graph, type PairSeries, type Sample } from '../src/index.js';

const NAMESPACES = 8;
const PER_NAMESPACE = 12;
const CALLS = 18;

const pair = (src: number, dst: number) => ({
  src_namespace: `ns-${Math.floor(src / PER_NAMESPACE)}`,
  src_workload_kind: 'Deployment',
  src_workload: `app-${src}`,
  dst_namespace: `ns-${Math.floor(dst / PER_NAMESPACE)}`,
  dst_workload_kind: 'Deployment',
  dst_workload: `app-${dst}`,
  dst_service: '',
  protocol: 'tcp',
  dst_port_class: '8080',
});

/** Every workload calls CALLS others (7 is prime to the count, so no pair twice): 1,728 edges, over the big-map size even with a namespace collapsed. */
function bigSeries(): PairSeries {
  const total = NAMESPACES * PER_NAMESPACE;
  const pairs = Array.from({ length: total * CALLS }, (_, i) => pair(Math.floor(i / CALLS), (Math.floor(i / CALLS) + ((i % CALLS) + 1) * 7) % total));
  const samples = (value: (i: number) => number): Sample[] => pairs.map((labels, i) => ({ labels, value: value(i) }));
  return {
    requestBytesPerSecond: samples((i) => (i % 13) + 1),
    responseBytesPerSecond: samples(() => 2),
    bytes: samples(() => 100),
    totalBytes: samples(() => 1000),
    packetsPerSecond: pairs.map((labels) => ({ labels: { ...labels, direction: 'request' }, value: 10 })),
    connectionsPerSecond: samples(() => 1),
    retransmitsPerSecond: samples(() => 0),
    latencyBuckets: pairs.flatMap((labels) => [{ labels: { ...labels, le: '0.01' }, value: 1 }, { labels: { ...labels, le: '+Inf' }, value: 1 }]),
    externalInfo: [],
  };
}

const query = (search: string) => parseGraphQuery(new URLSearchParams(search));
const sum = (graph: Graph) => graph.edges.reduce((total, e) => total + e.bytesPerSecond, 0);
const NOW = 1_700_000_000_000;

describe('the overview of a big map', () => {
  const series = bigSeries();
  const whole = buildGraph(series, query(''), new Set(), NOW);

  it('collapses every namespace and sums their conversations namespace to namespace', () => {
    assert.ok(whole.nodes.length + whole.edges.length > BIG_MAP_ELEMENTS, 'the generated map is big');
    const overview = buildMap(series, query('overview=1'), new Set(), NOW);
    assert.deepEqual(overview.overview, { workloads: 96, namespaces: 8, elements: whole.nodes.length + whole.edges.length, expanded: [] });
    assert.deepEqual(overview.nodes.map((n) => n.kind), Array(NAMESPACES).fill('namespace'));
    assert.ok(overview.edges.every((e) => e.source.startsWith('namespace:') && e.target.startsWith('namespace:')));
    assert.ok(overview.edges.length <= NAMESPACES * NAMESPACES);
    assert.equal(sum(overview), sum(whole), 'every byte/s of the whole map is in the overview');
  });

  it('shows an expanded namespace whole; a namespace also named collapsed, or not drawn, is not expanded', () => {
    const expanded = buildMap(series, query('overview=1&expand=ns-2,nope'), new Set(), NOW);
    assert.deepEqual(expanded.overview?.expanded, ['ns-2']);
    const members = expanded.nodes.filter((n) => n.parent === 'namespace:ns-2');
    assert.equal(members.length, PER_NAMESPACE);
    assert.equal(expanded.nodes.find((n) => n.id === 'namespace:ns-2')?.kind, 'group');
    assert.equal(expanded.nodes.filter((n) => n.kind === 'namespace').length, NAMESPACES - 1);
    assert.equal(sum(expanded), sum(whole));
    const both = buildMap(series, query('overview=1&expand=ns-2&collapse=ns-2'), new Set(), NOW);
    assert.deepEqual(both.overview?.expanded, []);
    assert.equal(both.nodes.find((n) => n.id === 'namespace:ns-2')?.kind, 'namespace');
  });

  it('answers the whole map when not asked for the overview, and a small map whole even when asked', () => {
    assert.deepEqual(buildMap(series, query(''), new Set(), NOW), whole);
    const small = query('overview=1&namespace=ns-0');
    const filtered = buildGraph(series, small, new Set(), NOW);
    assert.ok(filtered.nodes.length + filtered.edges.length <= BIG_MAP_ELEMENTS, 'one namespace\'s conversations are a small map');
    assert.deepEqual(buildMap(series, small, new Set(), NOW), filtered);
  });
});
