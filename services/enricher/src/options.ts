/** The enricher's options: the shared groups plus its own, each with its default and doc. */
import { CidrSet, TOPICS, consumerOptions, defineOptions, kafkaOptions, kubemetaViewOptions, redisOptions, serviceOptionsOn, type ConfigOf } from '@flowmesh/lib';
import { JSON_SHAPE_NAMES } from './output/json/json-shapes.js';

export const enricherOwnOptions = defineOptions({
  inputTopic: { type: 'string', doc: 'Topic of joined flows to enrich.', default: TOPICS.joined },
  outputTopic: { type: 'string', doc: 'Topic of enriched flows (Avro).', default: TOPICS.flows },
  jsonFormat: {
    type: 'enum',
    doc: 'Also write each enriched flow as JSON to --json-topic: flat (the Avro fields), ecs (Elastic Common Schema 8.11) or ocsf (OCSF 1.4.0 Network Activity 4001), see docs/siem.md; none turns the JSON topic off.',
    default: 'none',
    choices: ['none', ...JSON_SHAPE_NAMES] as const,
  },
  jsonTopic: { type: 'string', doc: 'Topic of the JSON output, when --json-format is not none.', default: TOPICS.flowsJson },
  clusterId: { type: 'string', doc: 'Identifier of the cluster, written into every record (cluster_id).', default: 'default' },
  clusterCidrs: {
    type: 'list',
    doc: 'Pod, Service and node CIDRs of the cluster: an address inside them that the view does not know is reported as unknown (and PARTIAL), not external.',
    default: [],
  },
  skewToleranceMs: {
    type: 'int',
    doc: 'How far outside an address\'s ownership interval a flow window may fall and still be attributed to that owner (clock skew between nodes and API server).',
    default: 15_000,
    min: 0,
  },
  ...kubemetaViewOptions,
  cacheMaxEntries: { type: 'int', doc: 'Most metadata entries kept in the in-process LRU cache.', default: 100_000, min: 1 },
  cacheTtlMs: { type: 'int', doc: 'How long a cached answer is used without re-reading Redis (announcements invalidate sooner).', default: 300_000, min: 1 },
  cacheNegativeTtlMs: { type: 'int', doc: 'How long a "not in the view" answer is cached, so new pods appear quickly.', default: 5_000, min: 1 },
  redisTimeoutMs: { type: 'int', doc: 'Longest wait for one batch of Redis reads before serving from cache.', default: 1_000, min: 1 },
  geoipDb: { type: 'string', doc: 'MaxMind-format City or Country database (.mmdb) for the geo of external addresses.' },
  asnDb: { type: 'string', doc: 'MaxMind-format ASN database (.mmdb) for the AS number and organisation of external addresses.' },
});

export const enricherOptions = defineOptions({
  ...serviceOptionsOn(9402),
  ...kafkaOptions,
  ...consumerOptions,
  ...redisOptions,
  ...enricherOwnOptions,
});

export type EnricherConfig = ConfigOf<typeof enricherOptions>;

/** Problems that span options or need parsing, reported with the rest of the config's. */
export function enricherConfigProblems(config: EnricherConfig): string[] {
  const problems = CidrSet.problems(config.clusterCidrs).map((problem) => `--cluster-cidrs: ${problem}`);
  if (config.outputTopic === config.inputTopic) problems.push('--output-topic must differ from --input-topic');
  if (config.jsonFormat !== 'none' && config.jsonTopic === config.outputTopic) problems.push('--json-topic must differ from --output-topic');
  return problems;
}

