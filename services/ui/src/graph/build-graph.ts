/**
 * Turns the pair series into the map: nodes (workloads and Services inside
 * their namespace, nodes, external peers inside their country) and edges
 * (client → server, or client → Service → backend when a Service was dialled),
 * after the filters and with collapsed namespaces drawn as one node.
 */
import type { Sample } from './prometheus-client.js';
import { addBuckets, quantile, type Buckets } from './histogram.js';
import { LabelIndex } from './label-index.js';
import { namespaceEnd, pairOf, type End, type EndKind, type Pair } from './endpoints.js';
import type { GraphQuery } from './graph-query.js';
import { PAIR_LABELS, type PairSeries } from './metric-queries.js';

export interface GraphNode {
  id: string;
  kind: EndKind | 'group';
  label: string;
  namespace: string;
  /** The compound node it is drawn in (a namespace, a country, the nodes group). */
  parent: string | null;
  workloadKind: string;
  external?: { country: string; city: string; asn: string; org: string; latitude: number | null; longitude: number | null };
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  bytesPerSecond: number;
  requestBytesPerSecond: number;
  responseBytesPerSecond: number;
  /** Bytes over the range (increase), both directions. */
  bytes: number;
  /** Bytes since the series started (the counters' values), both directions. */
  totalBytes: number;
  connectionsPerSecond: number;
  packetsPerSecond: number;
  retransmitRatio: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  protocols: string[];
  ports: string[];
}

export interface Graph {
  range: string;
  generatedAt: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Every namespace seen before filtering, for the filter's choices. */
  namespaces: string[];
  /** Present when the answer is a big map's overview (see overview.ts): what the whole map holds. */
  overview?: MapOverview;
}

export interface MapOverview {
  /** Workloads and namespaces of the whole map, before collapsing. */
  workloads: number;
  namespaces: number;
  /** Nodes and edges the whole map would draw. */
  elements: number;
  /** The namespaces shown whole (the others are collapsed). */
  expanded: string[];
}

interface EdgeSum {
  source: End;
  target: End;
  requestBps: number;
  responseBps: number;
  bytes: number;
  totalBytes: number;
  connections: number;
  packets: number;
  requestPackets: number;
  retransmits: number;
  buckets: Buckets;
  protocols: Set<string>;
  ports: Set<string>;
}

function keep(pair: Pair, query: GraphQuery, probeWorkloads: ReadonlySet<string>): boolean {
  const ends = [pair.src, pair.dst, ...(pair.service ? [pair.service] : [])];
  if (query.hideProbes && ends.some((end) => probeWorkloads.has(end.name))) return false;
  if (query.namespaces.length && !ends.some((end) => query.namespaces.includes(end.namespace))) return false;
  if (query.externalOnly && !ends.some((end) => end.kind === 'external')) return false;
  if (query.workload) {
    const needle = query.workload.toLowerCase();
    if (!ends.some((end) => end.name.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export function buildGraph(series: PairSeries, query: GraphQuery, probeWorkloads: ReadonlySet<string> = new Set(), now = Date.now()): Graph {
  const collapsed = new Set(query.collapsed);
  const shown = (end: End): End => ((end.kind === 'workload' || end.kind === 'service') && collapsed.has(end.namespace) ? namespaceEnd(end.namespace) : end);
  const edges = new Map<string, EdgeSum>();
  const ends = new Map<string, End>();
  const namespaces = new Set<string>();

  // Each series names its pair by the same labels: the route to its edge sums is worked out once per pair, not once per sample.
  const routes = new LabelIndex<EdgeSum[]>(PAIR_LABELS);
  const route = (labels: Sample['labels']): EdgeSum[] => {
    const pair = pairOf(labels);
    for (const end of [pair.src, pair.dst, pair.service]) if (end?.namespace) namespaces.add(end.namespace);
    if (!keep(pair, query, probeWorkloads)) return [];
    // A Service inside a collapsed namespace is no hop of its own: counted once, client → backend.
    const hops: [End, End][] = pair.service && !collapsed.has(pair.service.namespace) ? [[pair.src, pair.service], [pair.service, pair.dst]] : [[pair.src, pair.dst]];
    return hops.map(([from, to]) => {
      const source = shown(from);
      const target = shown(to);
      ends.set(source.id, source);
      ends.set(target.id, target);
      const id = `${source.id}->${target.id}`;
      let sum = edges.get(id);
      if (!sum) {
        sum = { source, target, requestBps: 0, responseBps: 0, bytes: 0, totalBytes: 0, connections: 0, packets: 0, requestPackets: 0, retransmits: 0, buckets: new Map(), protocols: new Set(), ports: new Set() };
        edges.set(id, sum);
      }
      if (pair.protocol) sum.protocols.add(pair.protocol);
      if (pair.port) sum.ports.add(pair.port);
      return sum;
    });
  };
  const each = (samples: Sample[], add: (sum: EdgeSum, sample: Sample) => void) => {
    for (const sample of samples) for (const sum of routes.get(sample.labels, () => route(sample.labels))) add(sum, sample);
  };
  each(series.requestBytesPerSecond, (sum, s) => (sum.requestBps += s.value));
  each(series.responseBytesPerSecond, (sum, s) => (sum.responseBps += s.value));
  each(series.bytes, (sum, s) => (sum.bytes += s.value));
  each(series.totalBytes, (sum, s) => (sum.totalBytes += s.value));
  each(series.connectionsPerSecond, (sum, s) => (sum.connections += s.value));
  each(series.packetsPerSecond, (sum, s) => {
    sum.packets += s.value;
    if (s.labels.direction === 'request') sum.requestPackets += s.value;
  });
  each(series.retransmitsPerSecond, (sum, s) => (sum.retransmits += s.value));
  each(series.latencyBuckets, (sum, s) => addBuckets(sum.buckets, Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), s.value));

  const externalInfo = new Map<string, GraphNode['external']>();
  for (const { labels } of series.externalInfo) {
    const group = labels.external;
    if (!group) continue;
    const coordinate = (value: string | undefined) => (value && Number.isFinite(Number(value)) ? Number(value) : null);
    externalInfo.set(group, {
      country: labels.country ?? '',
      city: labels.city ?? '',
      asn: labels.asn ?? '',
      org: labels.org ?? '',
      latitude: coordinate(labels.latitude),
      longitude: coordinate(labels.longitude),
    });
  }

  const nodes = new Map<string, GraphNode>();
  const group = (id: string, label: string) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'group', label, namespace: '', parent: null, workloadKind: '' });
    return id;
  };
  for (const end of ends.values()) {
    let parent: string | null = null;
    let external: GraphNode['external'];
    if (end.kind === 'workload' || end.kind === 'service') parent = end.namespace ? group(`namespace:${end.namespace}`, end.namespace) : null;
    else if (end.kind === 'node') parent = group('group:nodes', 'nodes');
    else if (end.kind === 'external') {
      external = externalInfo.get(end.name);
      parent = group(`country:${external?.country || 'unknown'}`, external?.country ? `external: ${external.country}` : 'external');
    }
    // A collapsed namespace is a plain node with the id its compound would have had.
    const existing = nodes.get(end.id);
    nodes.set(end.id, {
      id: end.id,
      kind: end.kind,
      label: end.kind === 'external' && external?.org ? `${end.name} ${external.org}` : end.name,
      namespace: end.namespace,
      parent: existing?.kind === 'group' ? null : parent,
      workloadKind: end.workloadKind,
      ...(external ? { external } : {}),
    });
  }

  return {
    range: query.range,
    generatedAt: now,
    nodes: [...nodes.values()],
    edges: [...edges.entries()].map(([id, sum]) => ({
      id,
      source: sum.source.id,
      target: sum.target.id,
      bytesPerSecond: sum.requestBps + sum.responseBps,
      requestBytesPerSecond: sum.requestBps,
      responseBytesPerSecond: sum.responseBps,
      bytes: sum.bytes,
      totalBytes: sum.totalBytes,
      connectionsPerSecond: sum.connections,
      packetsPerSecond: sum.packets,
      // Retransmits per request packet, as docs/flow-metrics.md's recipe.
      retransmitRatio: sum.requestPackets > 0 ? sum.retransmits / sum.requestPackets : null,
      latencyP50Ms: msOf(quantile(0.5, sum.buckets)),
      latencyP99Ms: msOf(quantile(0.99, sum.buckets)),
      protocols: [...sum.protocols].sort(),
      ports: [...sum.ports].sort(),
    })),
    namespaces: [...namespaces].sort(),
  };
}

function msOf(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}
