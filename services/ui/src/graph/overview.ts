/**
 * A big map's first view: drawing thousands of workloads and edges takes the
 * browser seconds, so a map over the big-map size is answered (when asked
 * with `overview=1`) with every namespace collapsed to one node and their
 * conversations summed namespace to namespace, except the namespaces the
 * user expanded. A map under the size is answered whole, as without it.
 */
import { buildGraph, type Graph } from './build-graph.js';
import type { GraphQuery } from './graph-query.js';
import { isBigMap } from './map-size.js';
import type { PairSeries } from './metric-queries.js';

export function buildMap(series: PairSeries, query: GraphQuery, probeWorkloads: ReadonlySet<string> = new Set(), now = Date.now()): Graph {
  const whole = buildGraph(series, query, probeWorkloads, now);
  if (!query.overview || !isBigMap(whole)) return whole;
  // The namespaces drawn: their workloads' and Services' namespaces, and those already collapsed.
  const namespaces = new Set<string>();
  let workloads = 0;
  for (const node of whole.nodes) {
    if (node.kind === 'workload') workloads++;
    if ((node.kind === 'workload' || node.kind === 'service' || node.kind === 'namespace') && node.namespace) namespaces.add(node.namespace);
  }
  const expanded = query.expanded.filter((n) => namespaces.has(n) && !query.collapsed.includes(n));
  const collapsed = [...namespaces].filter((n) => !expanded.includes(n));
  const overview = buildGraph(series, { ...query, collapsed }, probeWorkloads, now);
  return { ...overview, overview: { workloads, namespaces: namespaces.size, elements: whole.nodes.length + whole.edges.length, expanded: expanded.sort() } };
}
