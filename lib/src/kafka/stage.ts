/**
 * Wires a data-path stage from its config: Kafka client, topics, codecs,
 * producer and the shared consumer loop, with readiness tied to the consumer
 * group. A stage supplies only its processor.
 */
import type { ConfigOf } from '../config/options.js';
import type { consumerOptions, kafkaOptions } from '../config/common-options.js';
import { RecordCodec, type RecordDecoder } from '../codec/record-codec.js';
import { SchemaRegistryClient } from '../codec/schema-registry.js';
import type { RecordName, RecordTypes } from '../schema/types.js';
import type { ServiceContext, RunningService } from '../service/run-service.js';
import { createKafka } from './client.js';
import { createProducer } from './producer.js';
import { runStream, type RunningStream } from './stream.js';
import type { StreamProcessor } from './stream-types.js';
import { ensureTopics } from './topics.js';

export type StageConfig = ConfigOf<typeof kafkaOptions> & ConfigOf<typeof consumerOptions>;

export function registryFromConfig(config: StageConfig): SchemaRegistryClient | undefined {
  if (!config.schemaRegistryUrl) return undefined;
  return new SchemaRegistryClient({
    url: config.schemaRegistryUrl,
    ...(config.schemaRegistryUsername ? { username: config.schemaRegistryUsername } : {}),
    ...(config.schemaRegistryPassword ? { password: config.schemaRegistryPassword } : {}),
  });
}

/**
 * How a stage decodes its input from its codec: a projection (RecordProjection)
 * for a stage that reads a few fields and copies the body. Optional (the codec
 * itself) only when the processor takes the whole record, so a stage cannot
 * declare another input type without saying how to decode it.
 */
type InputDecoding<I extends RecordName, V> = [V] extends [RecordTypes[I]]
  ? [RecordTypes[I]] extends [V]
    ? { inputDecoder?(inputCodec: RecordCodec<I>): RecordDecoder<V> }
    : { inputDecoder(inputCodec: RecordCodec<I>): RecordDecoder<V> }
  : { inputDecoder(inputCodec: RecordCodec<I>): RecordDecoder<V> };

export type StageDefinition<I extends RecordName, O extends RecordName, V = RecordTypes[I]> = StageBase<I, O, V> & InputDecoding<I, V>;

interface StageBase<I extends RecordName, O extends RecordName, V> {
  stage: string;
  inputTopic: string;
  outputTopic: string;
  /** More topics the stage writes to (e.g. an optional JSON topic). */
  extraTopics?: string[];
  inputRecord: I;
  outputRecord: O;
  tickMs?: number;
  createProcessor(outputCodec: RecordCodec<O>): StreamProcessor<V> | Promise<StreamProcessor<V>>;
  /** Runs after the stream stopped (close Redis, ...). */
  onStopped?(): Promise<void>;
}

export interface RunningStage extends RunningService {
  stream: RunningStream;
}

export async function startStage<I extends RecordName, O extends RecordName, V = RecordTypes[I]>(
  context: ServiceContext,
  config: StageConfig,
  definition: StageDefinition<I, O, V>,
): Promise<RunningStage> {
  const { logger, registry, health } = context;
  const kafka = createKafka(config, logger);
  await ensureTopics(
    kafka,
    [definition.inputTopic, definition.outputTopic, config.dlqTopic, ...(definition.extraTopics ?? [])].map((topic) => ({
      topic,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
    })),
    { logger },
  );
  const schemaRegistry = registryFromConfig(config);
  const inputCodec = await RecordCodec.create(definition.inputRecord, schemaRegistry ? { registry: schemaRegistry, topic: definition.inputTopic } : {});
  const outputCodec = await RecordCodec.create(definition.outputRecord, schemaRegistry ? { registry: schemaRegistry, topic: definition.outputTopic } : {});
  const producer = await createProducer(kafka, config);
  const processor = await definition.createProcessor(outputCodec);
  const stream = await runStream({
    kafka,
    producer,
    stage: definition.stage,
    groupId: config.groupId ?? `flowmesh-${definition.stage}`,
    inputTopic: definition.inputTopic,
    outputTopic: definition.outputTopic,
    dlqTopic: config.dlqTopic,
    // Without a decoder of its own, V is RecordTypes[I] (InputDecoding): the codec is that decoder.
    decoder: definition.inputDecoder?.(inputCodec) ?? (inputCodec as unknown as RecordDecoder<V>),
    processor,
    logger,
    registry,
    fromBeginning: config.fromBeginning,
    commitIntervalMs: config.commitIntervalMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    ...(definition.tickMs !== undefined ? { tickMs: definition.tickMs } : {}),
  });
  health.addReadiness('kafka-consumer-group', () => stream.ready() || 'not yet joined the consumer group');
  // A consumer kafkajs gave up on stays down: /healthz fails so that the pod is restarted.
  health.addLiveness('kafka-consumer', () => stream.failure() ?? true);
  return {
    stream,
    async stop() {
      await stream.stop();
      await producer.producer.disconnect();
      await definition.onStopped?.();
    },
  };
}
