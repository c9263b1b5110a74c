/** The flow-metrics service's options: the shared groups plus its own, each with its default and doc. */
import { TOPICS, consumerOptions, defineOptions, kafkaOptions, serviceOptions, type ConfigOf } from '@flowmesh/lib';

export const LABEL_GRANULARITIES = ['namespace', 'workload', 'pod'] as const;
export type LabelGranularity = (typeof LABEL_GRANULARITIES)[number];

export const EXTERNAL_GROUPINGS = ['asn', 'country', 'city'] as const;
export type ExternalGrouping = (typeof EXTERNAL_GROUPINGS)[number];

/** Ports that get a `dst_port_class` of their own by default; every other port is `other`. */
export const DEFAULT_PORT_CLASSES = ['22', '53', '80', '443', '2379', '3306', '5432', '6379', '8080', '8443', '9092', '9093', '9200', '27017'];

export const flowMetricsOwnOptions = defineOptions({
  inputTopic: { type: 'string', doc: 'Topic of enriched flows to aggregate.', default: TOPICS.flows },
  labelGranularity: {
    type: 'enum',
    doc: 'How fine the pair labels are: namespace (workload labels of pods empty), workload, or pod (adds src_pod/dst_pod).',
    default: 'workload',
    choices: LABEL_GRANULARITIES,
  },
  portClasses: { type: 'list', doc: 'Server ports that get their own dst_port_class label value; every other port is "other".', default: DEFAULT_PORT_CLASSES },
  externalGrouping: {
    type: 'enum',
    doc: 'What names an external peer in the workload label: asn (AS64500, else the country), country (ISO code) or city (country/city).',
    default: 'asn',
    choices: EXTERNAL_GROUPINGS,
  },
  maxPairs: {
    type: 'int',
    doc: 'Cap on series: most label sets (traffic pairs) held per metric, the "other" pair included; records of new pairs past it are added to "other".',
    default: 10_000,
    min: 2,
  },
  seriesTtlMs: { type: 'int', doc: 'A pair not updated for this long is removed from /metrics (and from remote write).', default: 900_000, min: 1000 },
  skipSynthetic: { type: 'boolean', doc: 'Leave records marked synthetic out of the traffic metrics.', default: false },
  remoteWriteUrl: { type: 'string', doc: 'Prometheus remote-write endpoint (e.g. http://prometheus:9090/api/v1/write); when set the series are also pushed there.' },
  remoteWriteIntervalMs: { type: 'int', doc: 'How often the series are pushed to --remote-write-url.', default: 15_000, min: 100 },
  remoteWriteUsername: { type: 'string', doc: 'Basic-auth user for --remote-write-url.' },
  remoteWritePassword: { type: 'string', doc: 'Basic-auth password for --remote-write-url.', secret: true },
});

export const flowMetricsOptions = defineOptions({
  ...serviceOptions,
  httpPort: { ...serviceOptions.httpPort, default: 9404 },
  ...kafkaOptions,
  ...consumerOptions,
  ...flowMetricsOwnOptions,
});

export type FlowMetricsConfig = ConfigOf<typeof flowMetricsOptions>;

/** Problems that need parsing, reported with the rest of the config's. */
export function flowMetricsConfigProblems(config: FlowMetricsConfig): string[] {
  const problems = config.portClasses
    .filter((port) => !/^\d+$/.test(port) || Number(port) > 65_535)
    .map((port) => `--port-classes: "${port}" is not a port number (0-65535)`);
  if (config.remoteWriteUrl !== undefined && !/^https?:\/\/[^/]/.test(config.remoteWriteUrl)) {
    problems.push(`--remote-write-url: "${config.remoteWriteUrl}" is not an http(s) URL`);
  }
  if (config.remoteWritePassword !== undefined && config.remoteWriteUsername === undefined) {
    problems.push('--remote-write-password needs --remote-write-username');
  }
  return problems;
}
