/**
 * @flowmesh/flow-metrics — the traffic of flowmesh.flows.v1 as Prometheus
 * series by workload pair, each conversation counted once (docs/flow-metrics.md).
 */
export { flowMetricsOptions, flowMetricsOwnOptions, flowMetricsConfigProblems, DEFAULT_PORT_CLASSES, type FlowMetricsConfig, type LabelGranularity, type ExternalGrouping } from './options.js';
export { flowMetricsCommand, runFlowMetrics, startFlowMetrics, type RunningFlowMetrics } from './run.js';

// The parts, for tests, benchmarks and other embeddings.
export { countsTraffic, directedVolume, clientLatencySeconds } from './counting.js';
export { PairLabeller, pairLabelNames, type ExternalPeer } from './pair-labels.js';
export { TrafficStore, LATENCY_BUCKETS, type PairTraffic } from './traffic-store.js';
export { TrafficExposition, TRAFFIC_METRIC_NAMES } from './traffic-metrics.js';
export { FlowMetricsProcessor } from './flow-metrics-processor.js';
export { metricsProjection, METRICS_FIELDS, type MetricsFlow } from './metrics-flow.js';
export { FlowReader, isFlowReading, type FlowReading, type MetricsInput } from './flow-reader.js';
export { flowMetricsServiceMetrics } from './service-metrics.js';
export { startRemoteWrite, remoteWriteMetrics, registryTimeseries, type RemoteWriteOptions } from './remote-write.js';
