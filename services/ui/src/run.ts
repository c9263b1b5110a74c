/**
 * Wires the ui from its config: the recent-flows window fed by a sink stage
 * on flowmesh.flows.v1, the Prometheus client for the graph's numbers, and
 * the page with its API on the service's HTTP port.
 */
import { defineServiceCommand, kafkaConnectionProblems, runServiceCommand, startSink, type RunningService, type ServiceContext, type ServiceHandle } from '@flowmesh/lib';
import { PairLabeller } from '@flowmesh/flow-metrics';
import { PrometheusClient } from './graph/prometheus-client.js';
import { uiRoutes } from './http/ui-routes.js';
import { loadWebAssets } from './http/web-assets.js';
import { uiMetrics } from './metrics.js';
import { uiConfigProblems, uiOptions, type UiConfig } from './options.js';
import { RecentFlows } from './recent/recent-flows.js';
import { WindowProcessor } from './recent/window-processor.js';

export interface RunningUi extends RunningService {
  recent: RecentFlows;
}

export async function startUi(context: ServiceContext, config: UiConfig): Promise<RunningUi> {
  const { logger, registry, http } = context;
  if (!http) throw new Error('the ui needs the service HTTP server (context.http)');
  const labeller = new PairLabeller({ granularity: config.labelGranularity, portClasses: config.portClasses, externalGrouping: config.externalGrouping });
  const recent = new RecentFlows(labeller, config.recentFlows, config.recentFlowsMaxAgeMs);
  const metrics = uiMetrics(registry, () => recent.size);
  const prometheus = new PrometheusClient(config.prometheusUrl, config.prometheusTimeoutMs);
  http.mount(
    uiRoutes({
      assets: await loadWebAssets(),
      prometheus,
      recent,
      refreshMs: config.refreshMs,
      probeWorkloads: new Set(config.probeWorkloads),
      logger,
      observe: (route, status, seconds) => metrics.api.observe({ route, status: String(status) }, seconds),
    }),
  );
  const stage = await startSink(context, config, {
    stage: 'ui',
    inputTopic: config.inputTopic,
    inputRecord: 'EnrichedFlow',
    createProcessor: () => new WindowProcessor(recent),
  });
  logger.info({ inputTopic: config.inputTopic, prometheusUrl: config.prometheusUrl }, 'ui running');
  return { recent, stop: () => stage.stop() };
}

/** `flowmesh ui`, as the CLI registers it. */
export const uiCommand = defineServiceCommand({
  name: 'ui',
  summary: 'Serve the live map of the cluster\'s conversations (numbers from Prometheus, recent flows from flowmesh.flows.v1) and its JSON API.',
  options: uiOptions,
  validate: (config) => [...kafkaConnectionProblems(config), ...uiConfigProblems(config)],
  start: (context, config) => startUi(context, config),
});

export function runUi(config: UiConfig, options: { installSignalHandlers?: boolean } = {}): Promise<ServiceHandle> {
  return runServiceCommand(uiCommand, config, options);
}
