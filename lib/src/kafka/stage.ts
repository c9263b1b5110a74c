/**
 * Wires a data-path stage from its config: Kafka client, topics, codecs,
 * producer and the shared consumer loop, with readiness tied to the consumer
 * group. A stage supplies only its processor.
 */
import type { Kafka } from 'kafkajs';
import type { ConfigOf } from '../config/options.js';
import type { consumerOptions, kafkaOptions } from '../config/common-options.js';
import { RecordCodec, type RecordDecoder } from '../codec/record-codec.js';
import { SchemaRegistryClient } from '../codec/schema-registry.js';
import type { RecordName, RecordTypes } from '../schema/types.js';
import type { ServiceContext, RunningService } from '../service/run-service.js';
import { createKafka } from './client.js';
import { createProducer, type FlowProducer } from './producer.js';
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

/** What every consuming stage wires first: the Kafka client, its topics, the schema registry and the input codec. */
async function connectInput<I extends RecordName>(context: ServiceContext, config: StageConfig, inputRecord: I, topics: readonly string[]) {
  const kafka = createKafka(config, context.logger);
  await ensureTopics(
    kafka,
    topics.map((topic) => ({ topic, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor })),
    { logger: context.logger },
  );
  const schemaRegistry = registryFromConfig(config);
  const codecFor = <R extends RecordName>(record: R, topic: string) =>
    RecordCodec.create(record, schemaRegistry ? { registry: schemaRegistry, topic } : {});
  const inputCodec = await codecFor(inputRecord, topics[0]!);
  // The producer writes the output (transforms) and the dead-letter topic (every stage).
  const producer = await createProducer(kafka, config);
  return { kafka, inputCodec, codecFor, producer };
}

/** Readiness follows the consumer group; a consumer kafkajs gave up on fails /healthz so that the pod is restarted. */
function watchStream(context: ServiceContext, stream: RunningStream): void {
  context.health.addReadiness('kafka-consumer-group', () => stream.ready() || 'not yet joined the consumer group');
  context.health.addLiveness('kafka-consumer', () => stream.failure() ?? true);
}

function runningStage(stream: RunningStream, producer: FlowProducer, onStopped?: () => Promise<void>): RunningStage {
  return {
    stream,
    async stop() {
      await stream.stop();
      await producer.producer.disconnect();
      await onStopped?.();
    },
  };
}

/** What a transform and a sink differ in when they start the shared loop. */
interface LoopParts<V> {
  stage: string;
  inputTopic: string;
  /** A transform's output topic; a sink's is the dead-letter topic (it produces nothing else). */
  outputTopic: string;
  decoder: RecordDecoder<V>;
  processor: StreamProcessor<V>;
  tickMs?: number | undefined;
  onStopped?: (() => Promise<void>) | undefined;
}

/** Runs the shared consumer loop for a stage, ties readiness and liveness to it, and stops it with the producer. */
async function runLoop<V>(context: ServiceContext, config: StageConfig, kafka: Kafka, producer: FlowProducer, parts: LoopParts<V>): Promise<RunningStage> {
  const stream = await runStream({
    groupId: config.groupId ?? `flowmesh-${parts.stage}`,
    dlqTopic: config.dlqTopic,
    fromBeginning: config.fromBeginning,
    commitIntervalMs: config.commitIntervalMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    kafka,
    producer,
    stage: parts.stage,
    inputTopic: parts.inputTopic,
    outputTopic: parts.outputTopic,
    decoder: parts.decoder,
    processor: parts.processor,
    logger: context.logger,
    registry: context.registry,
    ...(parts.tickMs !== undefined ? { tickMs: parts.tickMs } : {}),
  });
  watchStream(context, stream);
  return runningStage(stream, producer, parts.onStopped);
}

export async function startStage<I extends RecordName, O extends RecordName, V = RecordTypes[I]>(
  context: ServiceContext,
  config: StageConfig,
  definition: StageDefinition<I, O, V>,
): Promise<RunningStage> {
  const topics = [definition.inputTopic, definition.outputTopic, config.dlqTopic, ...(definition.extraTopics ?? [])];
  const { kafka, inputCodec, codecFor, producer } = await connectInput(context, config, definition.inputRecord, topics);
  const outputCodec = await codecFor(definition.outputRecord, definition.outputTopic);
  return runLoop(context, config, kafka, producer, {
    stage: definition.stage,
    inputTopic: definition.inputTopic,
    outputTopic: definition.outputTopic,
    // Without a decoder of its own, V is RecordTypes[I] (InputDecoding): the codec is that decoder.
    decoder: definition.inputDecoder?.(inputCodec) ?? (inputCodec as unknown as RecordDecoder<V>),
    processor: await definition.createProcessor(outputCodec),
    tickMs: definition.tickMs,
    onStopped: definition.onStopped,
  });
}

/**
 * A sink stage: consumes a topic and writes somewhere other than Kafka
 * (Prometheus series, IPFIX collectors, a web page). Its processor calls
 * `sink.send([], refs)` once what it wrote for those records is out (sent,
 * flushed or aggregated): only then are their offsets committed. Undecodable
 * records still go to the dead-letter topic.
 */
export type SinkDefinition<I extends RecordName, V = RecordTypes[I]> = SinkBase<I, V> & InputDecoding<I, V>;

interface SinkBase<I extends RecordName, V> {
  stage: string;
  inputTopic: string;
  inputRecord: I;
  tickMs?: number;
  createProcessor(): StreamProcessor<V> | Promise<StreamProcessor<V>>;
  /** Runs after the stream stopped (close sockets, flush, ...). */
  onStopped?(): Promise<void>;
}

export async function startSink<I extends RecordName, V = RecordTypes[I]>(context: ServiceContext, config: StageConfig, definition: SinkDefinition<I, V>): Promise<RunningStage> {
  const { kafka, inputCodec, producer } = await connectInput(context, config, definition.inputRecord, [definition.inputTopic, config.dlqTopic]);
  return runLoop(context, config, kafka, producer, {
    stage: definition.stage,
    inputTopic: definition.inputTopic,
    // A sink produces nothing but dead letters; a message without a topic would go there too.
    outputTopic: config.dlqTopic,
    decoder: definition.inputDecoder?.(inputCodec) ?? (inputCodec as unknown as RecordDecoder<V>),
    processor: await definition.createProcessor(),
    tickMs: definition.tickMs,
    onStopped: definition.onStopped,
  });
}
