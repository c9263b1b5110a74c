/** Option groups shared by the services; each service spreads the groups it needs into its own specs. */
import { KAFKA_COMPRESSIONS } from '../kafka/compression.js';
import { defineOptions } from './options.js';

/**
 * The service shell's options, with the service's own default HTTP port: each
 * service has one (agent 9400, joiner 9401, enricher 9402, metadata-sync 9403,
 * flow-metrics 9404, ipfix-export 9405, ui 9406) so several run on one host.
 */
export function serviceOptionsOn<const P extends number>(defaultHttpPort: P) {
  return defineOptions({
    httpPort: { type: 'int', doc: 'Port of the HTTP server for /metrics, /healthz and /readyz (0 picks a free port).', default: defaultHttpPort, min: 0, max: 65535 },
    httpHost: { type: 'string', doc: 'Address the HTTP server binds to.', default: '0.0.0.0' },
    logLevel: { type: 'enum', doc: 'Minimum level of the JSON log lines.', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
    shutdownTimeoutMs: { type: 'int', doc: 'How long SIGTERM waits for in-flight records to drain before exiting anyway.', default: 30_000, min: 0 },
  });
}

/** The shell's options on port 9400 (the agent's); other services use serviceOptionsOn(their port). */
export const serviceOptions = serviceOptionsOn(9400);

export const kafkaOptions = defineOptions({
  kafkaBrokers: { type: 'list', doc: 'Kafka bootstrap servers, comma separated host:port.', required: true, envAliases: ['KAFKA_BROKERS'] },
  kafkaClientId: { type: 'string', doc: 'Client id sent to the brokers (shows in broker logs and quotas).', default: 'flowmesh' },
  kafkaTls: { type: 'boolean', doc: 'Connect to the brokers over TLS.', default: false },
  kafkaTlsCa: { type: 'string', doc: 'PEM file of the CA that signed the brokers\' certificates (default: system CAs).' },
  kafkaTlsCert: { type: 'string', doc: 'PEM file of the client certificate, for mutual TLS.' },
  kafkaTlsKey: { type: 'string', doc: 'PEM file of the client certificate\'s private key, for mutual TLS.', secret: true },
  kafkaTlsInsecure: { type: 'boolean', doc: 'Skip broker certificate verification (testing only).', default: false },
  kafkaSaslMechanism: { type: 'enum', doc: 'SASL mechanism; none disables SASL.', default: 'none', choices: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] },
  kafkaSaslUsername: { type: 'string', doc: 'SASL username.' },
  kafkaSaslPassword: { type: 'string', doc: 'SASL password.', secret: true },
  kafkaCompression: { type: 'enum', doc: 'Compression of produced batches (gzip is kafkajs\'s own; lz4, zstd and snappy come from codec packages). Consumers read every codec whatever this says.', default: 'none', choices: KAFKA_COMPRESSIONS },
  kafkaIdempotent: { type: 'boolean', doc: 'Idempotent producer (turn on for real Kafka; the embedded mock broker does not support it).', default: false },
  kafkaPartitions: { type: 'int', doc: 'Partition count used when this service creates a missing topic.', default: 12, min: 1 },
  kafkaReplicationFactor: { type: 'int', doc: 'Replication factor used when this service creates a missing topic (-1: broker default).', default: -1, min: -1 },
  kafkaRetryInitialMs: { type: 'int', doc: 'First wait before kafkajs retries a failed broker request or reconnect; grows per failure.', default: 300, min: 1 },
  kafkaRetryMaxMs: { type: 'int', doc: 'Longest wait between kafkajs retries, so a client reconnects within about this long after the broker answers again.', default: 1_500, min: 1 },
  schemaRegistryUrl: { type: 'string', doc: 'Confluent Schema Registry URL; when set, records use the Confluent wire format, else Avro single-object encoding.' },
  schemaRegistryUsername: { type: 'string', doc: 'Schema registry basic-auth user (e.g. Confluent Cloud API key).' },
  schemaRegistryPassword: { type: 'string', doc: 'Schema registry basic-auth password.', secret: true },
  dlqTopic: { type: 'string', doc: 'Dead-letter topic for records that cannot be decoded or processed.', default: 'flowmesh.dlq.v1' },
});

export const consumerOptions = defineOptions({
  groupId: { type: 'string', doc: 'Kafka consumer group id; replicas with the same id share the partitions.' },
  fromBeginning: { type: 'boolean', doc: 'With no committed offset, start at the earliest record instead of the latest.', default: true },
  commitIntervalMs: { type: 'int', doc: 'How often completed input offsets are committed.', default: 1000, min: 50 },
  sessionTimeoutMs: { type: 'int', doc: 'Consumer group session timeout: how long the group waits for a silent member before giving its partitions to others.', default: 30_000, min: 1000 },
});

export const redisOptions = defineOptions({
  redisUrl: { type: 'string', doc: 'Redis URL (redis:// or rediss:// for TLS), may carry user:password.', required: true, envAliases: ['REDIS_URL'] },
  redisUsername: { type: 'string', doc: 'Redis ACL user (overrides the URL\'s).' },
  redisPassword: { type: 'string', doc: 'Redis password (overrides the URL\'s).', secret: true },
  redisTlsCa: { type: 'string', doc: 'PEM file of the CA for Redis TLS (implies TLS).' },
  redisTlsCert: { type: 'string', doc: 'PEM file of the client certificate for Redis mutual TLS.' },
  redisTlsKey: { type: 'string', doc: 'PEM file of the Redis client key.', secret: true },
});

/** The kubemeta view in Redis, shared by its writer (metadata-sync) and its reader (enricher): both must agree. */
export const kubemetaViewOptions = defineOptions({
  viewPrefix: { type: 'string', doc: 'Base of the kubemeta view\'s Redis keys (km: keys km:v1:...); writer and readers must use the same.', default: 'km' },
  redisBackoffInitialMs: { type: 'int', doc: 'First wait before retrying Redis after a failure; doubles per failure.', default: 200, min: 1 },
  redisBackoffMaxMs: { type: 'int', doc: 'Longest wait between Redis retries while it is down.', default: 10_000, min: 1 },
});
