/**
 * The PromQL the graph is built from: the flow-metrics series (counted once,
 * see docs/flow-metrics.md) summed by workload pair over the chosen range.
 */
import type { PrometheusClient, Sample } from './prometheus-client.js';
import { RANGES, type GraphQuery } from './graph-query.js';

/** The labels that name a conversation's pair; the graph never splits finer. */
export const PAIR_LABELS = ['src_namespace', 'src_workload_kind', 'src_workload', 'dst_namespace', 'dst_workload_kind', 'dst_workload', 'dst_service', 'protocol', 'dst_port_class'] as const;

export interface PairSeries {
  requestBytesPerSecond: Sample[];
  responseBytesPerSecond: Sample[];
  bytes: Sample[];
  totalBytes: Sample[];
  packetsPerSecond: Sample[];
  connectionsPerSecond: Sample[];
  retransmitsPerSecond: Sample[];
  latencyBuckets: Sample[];
  externalInfo: Sample[];
}

/** A PromQL string literal. */
function quote(value: string): string {
  return JSON.stringify(value);
}

export function selector(query: GraphQuery, extra: string[] = []): string {
  const matchers = [...extra];
  if (query.protocol) matchers.push(`protocol=${quote(query.protocol)}`);
  if (query.port) matchers.push(`dst_port_class=${quote(query.port)}`);
  return `{${matchers.join(',')}}`;
}

export function pairQueries(query: GraphQuery): Record<keyof PairSeries, string> {
  const range = `${RANGES[query.range]}s`;
  const by = PAIR_LABELS.join(',');
  const sum = (fn: string, metric: string, extra: string[] = [], more = '') => `sum by (${by}${more}) (${fn}(${metric}${selector(query, extra)}[${range}]))`;
  return {
    requestBytesPerSecond: sum('rate', 'flowmesh_traffic_bytes_total', ['direction="request"']),
    responseBytesPerSecond: sum('rate', 'flowmesh_traffic_bytes_total', ['direction="response"']),
    bytes: sum('increase', 'flowmesh_traffic_bytes_total'),
    // The counters themselves: every byte since the series started, exact (no extrapolation).
    totalBytes: `sum by (${by}) (flowmesh_traffic_bytes_total${selector(query)})`,
    packetsPerSecond: sum('rate', 'flowmesh_traffic_packets_total', [], ',direction'),
    connectionsPerSecond: sum('rate', 'flowmesh_traffic_connections_opened_total'),
    retransmitsPerSecond: sum('rate', 'flowmesh_traffic_retransmits_total'),
    latencyBuckets: sum('rate', 'flowmesh_traffic_latency_seconds_bucket', [], ',le'),
    externalInfo: `max_over_time(flowmesh_traffic_external_info[${range}])`,
  };
}

export async function fetchPairSeries(prometheus: PrometheusClient, query: GraphQuery): Promise<PairSeries> {
  const queries = pairQueries(query);
  const names = Object.keys(queries) as (keyof PairSeries)[];
  const answers = await Promise.all(names.map((name) => prometheus.query(queries[name])));
  return Object.fromEntries(names.map((name, i) => [name, answers[i]])) as unknown as PairSeries;
}
