/**
 * @flowmesh/lib — what the flowmesh services share: record types and Avro
 * codecs, Kafka plumbing (topics, producer, the consumer loop with commit-
 * after-produce and dead letters), configuration, the service shell (logs,
 * metrics, health, shutdown), Redis connections, and the embedded stack.
 */
export * from './schema/types.js';
export { latestSchema, schemaVersions, allSchemas, schemasDir, type SchemaVersion } from './schema/catalog.js';

export { DecodeError, SchemaRegistryError, type DecodeFailure } from './codec/errors.js';
export { crc64Avro } from './codec/fingerprint.js';
export { readFraming, type Framing } from './codec/framing.js';
export { RecordCodec, type DecodeResult, type RecordCodecOptions, type RecordDecoder } from './codec/record-codec.js';
export { RecordProjection, type NestedFields } from './codec/record-projection.js';
export { RecordLayout, copyBytes, readInt } from './codec/record-layout.js';
export { RecordFields, readLong, unionBranchCount } from './codec/record-fields.js';
export { SchemaRegistryClient, type SchemaRegistryOptions } from './codec/schema-registry.js';

export { defineOptions, flagName, envName, type OptionSpec, type OptionSpecs, type ConfigOf } from './config/options.js';
export { loadConfig, resolveConfig, redactConfig, ConfigError, type ConfigSources } from './config/load.js';
export { maskUrlCredentials, maskValue } from './config/mask-secrets.js';
export { serviceOptions, serviceOptionsOn, kafkaOptions, consumerOptions, redisOptions, kubemetaViewOptions } from './config/common-options.js';

export { createKafka, kafkaConfig, kafkaConnectionProblems, type KafkaConnectionOptions } from './kafka/client.js';
export { kafkaConnectionFailure, unreachableLine } from './kafka/reachability.js';
export { ensureTopics, TOPICS, type TopicSpec } from './kafka/topics.js';
export { createProducer, type FlowProducer, type ProducerOptions } from './kafka/producer.js';
export { murmur2, murmur2Partitioner, partitionForKey } from './kafka/partitioner.js';
export { applyKafkajsIdleFix } from './kafka/request-queue-idle-fix.js';
export { deadLetterMessage, DLQ_HEADERS, failureReason } from './kafka/dead-letter.js';
export { OffsetTracker } from './kafka/offset-tracker.js';
export { runStream, OutputUnavailableError, type StreamOptions, type RunningStream } from './kafka/stream.js';
export { startStage, startSink, registryFromConfig, type StageConfig, type StageDefinition, type SinkDefinition, type RunningStage } from './kafka/stage.js';
export type * from './kafka/stream-types.js';

export { createLogger, type Logger } from './service/logger.js';
export { createRegistry, addTextCollector, renderMetrics, type TextCollector } from './service/metrics.js';
export { Health, type Check } from './service/health.js';
export { OperatorError } from './service/operator-error.js';
export type { HttpRoutes, RouteHandler } from './service/http-server.js';
export { runService, type ServiceContext, type ServiceDefinition, type ServiceHandle, type RunningService } from './service/run-service.js';

export { connectRedis, redisClientOptions, type RedisConnectionOptions } from './redis/connect.js';

export { flowKey, windowStart } from './flow/key.js';
export * from './kubemeta/index.js';

export { startMockBroker, mockBrokerBinary, type MockBroker } from './stack/mock-broker.js';
export { startRedisServer, type RedisServer } from './stack/redis-server.js';
export { startPrometheusServer, type PrometheusServer, type PrometheusServerOptions, type PromSample } from './stack/prometheus-server.js';
export { freePort } from './stack/free-port.js';
export { startChild, withParentDeathSignal, type Child } from './stack/child.js';
export { defineServiceCommand, loadServiceConfig, runServiceCommand, type ServiceCommand } from './service/command.js';
export { Prng } from './util/prng.js';
export { projectPath, entryPoint, type EntryPoint } from './runtime/project-files.js';
export { CidrSet, parseIpv4, parseIpv6 } from './flow/cidr.js';
