/**
 * @flowmesh/ui — the live map of the cluster's conversations: a page and a
 * JSON API, the graph's numbers from Prometheus (flow-metrics series), each
 * edge's recent flows from a bounded window of flowmesh.flows.v1.
 */
export { uiOptions, uiOwnOptions, uiConfigProblems, UI_DEFAULT_PORT, type UiConfig } from './options.js';
export { uiCommand, runUi, startUi, type RunningUi } from './run.js';

// The parts, for tests, benchmarks and the demo.
export { buildGraph, type Graph, type GraphNode, type GraphEdge, type MapOverview } from './graph/build-graph.js';
export { buildMap } from './graph/overview.js';
export { BIG_MAP_ELEMENTS, isBigMap } from './graph/map-size.js';
export { parseGraphQuery, RANGES, type GraphQuery, type RangeName } from './graph/graph-query.js';
export { fetchPairSeries, pairQueries, PAIR_LABELS, type PairSeries } from './graph/metric-queries.js';
export { PrometheusClient, PrometheusError, type Sample } from './graph/prometheus-client.js';
export { quantile } from './graph/histogram.js';
export { pairOf, pairOfFlow, workloadEnd, serviceEnd, type End, type Pair } from './graph/endpoints.js';
export { RecentFlows, type NodeDetail } from './recent/recent-flows.js';
export type { FlowRow, EndDetail } from './recent/flow-row.js';
