/**
 * Wires flow-metrics from its config: the pair labeller, the traffic store and
 * its Prometheus collectors, the sink stage on the flows topic, and the
 * optional remote write.
 */
import {
  addTextCollector,
  defineServiceCommand,
  kafkaConnectionProblems,
  runServiceCommand,
  startSink,
  type RunningService,
  type ServiceContext,
  type ServiceHandle,
} from '@flowmesh/lib';
import { FlowMetricsProcessor } from './flow-metrics-processor.js';
import { FlowReader } from './flow-reader.js';
import { flowMetricsConfigProblems, flowMetricsOptions, type FlowMetricsConfig } from './options.js';
import { PairLabeller } from './pair-labels.js';
import { startRemoteWrite } from './remote-write.js';
import { flowMetricsServiceMetrics, storeEventsFor } from './service-metrics.js';
import { TrafficExposition } from './traffic-metrics.js';
import { TrafficStore } from './traffic-store.js';

export interface RunningFlowMetrics extends RunningService {
  store: TrafficStore;
}

/** How often idle pairs are looked for: often enough that a TTL is kept to within a few percent. */
function expiryTickMs(ttlMs: number): number {
  return Math.max(250, Math.min(10_000, Math.floor(ttlMs / 20)));
}

export async function startFlowMetrics(context: ServiceContext, config: FlowMetricsConfig): Promise<RunningFlowMetrics> {
  const { logger, registry } = context;
  const labelling = { granularity: config.labelGranularity, portClasses: config.portClasses, externalGrouping: config.externalGrouping };
  const labeller = new PairLabeller(labelling);
  let store: TrafficStore | undefined;
  const metrics = flowMetricsServiceMetrics(registry, () => store?.size ?? 0, config.maxPairs);
  store = new TrafficStore(labeller, config.maxPairs, storeEventsFor(metrics));
  // The registry's default label, which text rendered beside it must carry itself.
  const exposition = new TrafficExposition(store, labeller.names, { service: flowMetricsCommand.name });
  addTextCollector(registry, () => exposition.render());

  const remoteWrite = config.remoteWriteUrl
    ? startRemoteWrite(registry, logger, {
        url: config.remoteWriteUrl,
        intervalMs: config.remoteWriteIntervalMs,
        extraSeries: () => exposition.series(),
        ...(config.remoteWriteUsername !== undefined ? { username: config.remoteWriteUsername } : {}),
        ...(config.remoteWritePassword !== undefined ? { password: config.remoteWritePassword } : {}),
      })
    : null;
  const processor = new FlowMetricsProcessor({ store, metrics, skipSynthetic: config.skipSynthetic, seriesTtlMs: config.seriesTtlMs });
  const stage = await startSink(context, config, {
    stage: 'flow-metrics',
    inputTopic: config.inputTopic,
    inputRecord: 'EnrichedFlow',
    inputDecoder: (codec) => new FlowReader(codec, labelling),
    tickMs: expiryTickMs(config.seriesTtlMs),
    createProcessor: () => processor,
    // After the last records were aggregated: push them once more.
    onStopped: async () => remoteWrite?.stop(),
  });
  logger.info(
    { inputTopic: config.inputTopic, labelGranularity: config.labelGranularity, maxPairs: config.maxPairs, remoteWrite: config.remoteWriteUrl ?? null },
    'flow-metrics running',
  );
  return { store, stop: () => stage.stop() };
}

/** `flowmesh flow-metrics`, as the CLI registers it: name, options, validation, start. */
export const flowMetricsCommand = defineServiceCommand({
  name: 'flow-metrics',
  summary: 'Traffic metrics for Prometheus: bytes, packets, connections, latency and retransmits by workload pair, counted once (flowmesh.flows.v1 -> /metrics).',
  options: flowMetricsOptions,
  validate: (config) => [...kafkaConnectionProblems(config), ...flowMetricsConfigProblems(config)],
  start: (context, config) => startFlowMetrics(context, config),
});

/** Runs flow-metrics from parsed options until SIGTERM/SIGINT (or `shutdown()` on the handle). */
export function runFlowMetrics(config: FlowMetricsConfig, options: { installSignalHandlers?: boolean } = {}): Promise<ServiceHandle> {
  return runServiceCommand(flowMetricsCommand, config, options);
}
