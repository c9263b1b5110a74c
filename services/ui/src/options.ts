/** The ui's options: the shared groups plus its own, each with its default and doc. */
import { TOPICS, consumerOptions, defineOptions, kafkaOptions, serviceOptions, type ConfigOf } from '@flowmesh/lib';
import { flowMetricsOwnOptions } from '@flowmesh/flow-metrics';

// The ui labels its recent records as flow-metrics labels its series, so each edge finds its flows: same options, same defaults.
const { labelGranularity, portClasses, externalGrouping } = flowMetricsOwnOptions;

export const UI_DEFAULT_PORT = 9406;

export const uiOwnOptions = defineOptions({
  inputTopic: { type: 'string', doc: 'Topic of enriched flows whose recent records the edge and node details list.', default: TOPICS.flows },
  prometheusUrl: {
    type: 'string',
    doc: 'Prometheus HTTP API base URL (scraping flow-metrics) the graph\'s numbers are queried from.',
    default: 'http://127.0.0.1:9090',
    envAliases: ['PROMETHEUS_URL'],
  },
  prometheusTimeoutMs: { type: 'int', doc: 'Longest wait for one Prometheus query.', default: 10_000, min: 100 },
  recentFlows: { type: 'int', doc: 'Most enriched flow records kept in memory for the edge and node details (the oldest go first).', default: 20_000, min: 1 },
  recentFlowsMaxAgeMs: { type: 'int', doc: 'Records older than this (by window end) leave the in-memory window.', default: 900_000, min: 1000 },
  probeWorkloads: {
    type: 'list',
    doc: 'Workloads whose conversations "hide probe traffic" hides (probe DaemonSets; flow-metrics has no probe label). Synthetic records leave the edge details too.',
    default: ['kconmon', 'flowmesh-probe'],
  },
  labelGranularity: { ...labelGranularity, doc: `${labelGranularity.doc} Must match flow-metrics.` },
  portClasses: { ...portClasses, doc: `${portClasses.doc} Must match flow-metrics.` },
  externalGrouping: { ...externalGrouping, doc: `${externalGrouping.doc} Must match flow-metrics.` },
  refreshMs: { type: 'int', doc: 'How often the page re-reads the graph and the open detail.', default: 5_000, min: 500 },
});

export const uiOptions = defineOptions({
  ...serviceOptions,
  httpPort: { ...serviceOptions.httpPort, doc: 'Port of the HTTP server for the page, its /api, /metrics, /healthz and /readyz (0 picks a free port).', default: UI_DEFAULT_PORT },
  ...kafkaOptions,
  ...consumerOptions,
  // Nothing is lost by skipping history: the window holds recent records only.
  fromBeginning: { ...consumerOptions.fromBeginning, default: false },
  ...uiOwnOptions,
});

export type UiConfig = ConfigOf<typeof uiOptions>;

/** Problems that need parsing, reported with the rest of the config's. */
export function uiConfigProblems(config: UiConfig): string[] {
  try {
    const url = new URL(config.prometheusUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? [] : [`--prometheus-url must be http(s), got ${config.prometheusUrl}`];
  } catch {
    return [`--prometheus-url is not a URL: ${config.prometheusUrl}`];
  }
}
