/**
 * The shared consumer loop of the data-path stages: consume a batch, decode it
 * (undecodable records go to the dead-letter topic), hand the rest to the
 * stage's processor, produce its output, and commit input offsets only once
 * everything at or below them has been produced (OffsetTracker). Offsets are
 * never auto-committed, so a crash re-reads from the last completed offset:
 * at-least-once, no loss.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { RecordDecoder } from '../codec/record-codec.js';
import type { Logger } from '../service/logger.js';
import { deadLetterMessage, failureReason } from './dead-letter.js';
import { OffsetTracker } from './offset-tracker.js';
import type { FlowProducer } from './producer.js';
import { streamMetrics } from './stream-metrics.js';
import type { InputRecord, InputRef, OutputMessage, OutputSink, ReleasedOffsets, StreamProcessor } from './stream-types.js';

/** Producing output failed (after the producer's own retries): transient, never the record's fault. */
export class OutputUnavailableError extends Error {
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`producing output failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'OutputUnavailableError';
  }
}

function asOutputUnavailable(error: unknown): never {
  throw error instanceof OutputUnavailableError ? error : new OutputUnavailableError(error);
}

export interface StreamOptions<T> {
  kafka: Kafka;
  producer: FlowProducer;
  /** Names the stage in logs, metrics and DLQ headers: "joiner", "enricher". */
  stage: string;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  dlqTopic: string;
  /** Decodes the input: the input record's codec, or a projection of it (RecordProjection). */
  decoder: RecordDecoder<T>;
  processor: StreamProcessor<T>;
  logger: Logger;
  registry: Registry;
  fromBeginning?: boolean;
  commitIntervalMs?: number;
  /** Period of processor.onTick; 0 disables. */
  tickMs?: number;
  /** Partitions of one member processed at once. */
  partitionsConsumedConcurrently?: number;
  /** Longest a fetch waits for new records. @default 250 */
  maxWaitTimeInMs?: number;
  /** Consumer group session timeout. @default 30000 */
  sessionTimeoutMs?: number;
}

export interface RunningStream {
  /** True once the consumer has joined its group and received an assignment. */
  ready(): boolean;
  /**
   * Why the consumer stopped for good, null while it runs: kafkajs gives up on
   * some errors (restart: false) and leaves the process up without consuming.
   */
  failure(): string | null;
  /** Stops consuming, lets the processor drain, produces and commits what is done. */
  stop(): Promise<void>;
  consumer: Consumer;
}

export async function runStream<T>(options: StreamOptions<T>): Promise<RunningStream> {
  const { kafka, stage, logger, decoder, processor } = options;
  const metrics = streamMetrics(options.registry);
  const tracker = new OffsetTracker();
  const { producer, compression } = options.producer;
  // A short fetch wait keeps end-to-end latency low when topics are quiet (kafkajs waits 5 s by default).
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: true, maxWaitTimeInMs: options.maxWaitTimeInMs ?? 250,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.max(100, Math.floor((options.sessionTimeoutMs ?? 30_000) / 10)),
  });
  let assigned = new Set<number>();
  let joined = false;
  let stopping = false;

  const sink: OutputSink = {
    async send(messages: readonly OutputMessage[], completes: readonly InputRef[]) {
      if (messages.length) await produce(messages).catch(asOutputUnavailable);
      for (const ref of completes) tracker.done(ref.partition, ref.offset);
    },
    deadLetter: (ref, raw, error) => deadLetterAll([{ ref, raw, error }]),
  };

  /** Dead-letters many records in one produce call (a burst of garbage must not cost a round trip each). */
  async function deadLetterAll(items: readonly { ref: InputRef; raw: { key: Buffer | null; value: Buffer | null }; error: unknown }[]): Promise<void> {
    if (!items.length) return;
    const messages = items.map(({ ref, raw, error }) => deadLetterMessage({ stage, topic: options.inputTopic, partition: ref.partition, offset: ref.offset }, raw, error, options.dlqTopic));
    await producer.send({ topic: options.dlqTopic, compression, acks: -1, messages }).catch(asOutputUnavailable);
    for (const { ref, error } of items) {
      metrics.deadLetters.inc({ stage, reason: failureReason(error) });
      tracker.done(ref.partition, ref.offset);
    }
    const first = items[0]!;
    logger.warn(
      { count: items.length, partition: first.ref.partition, firstOffset: first.ref.offset, reason: failureReason(first.error), err: (first.error as Error)?.message },
      'records sent to dead-letter topic',
    );
  }

  /** The messages by topic; a run of messages to one topic (usually all of them) costs one lookup. */
  function byTopic(messages: readonly OutputMessage[]): { topic: string; messages: OutputMessage[] }[] {
    const grouped = new Map<string, OutputMessage[]>();
    let runTopic: string | undefined;
    let run: OutputMessage[] = [];
    for (const message of messages) {
      const topic = message.topic ?? options.outputTopic;
      if (topic !== runTopic) {
        runTopic = topic;
        run = grouped.get(topic) ?? [];
        grouped.set(topic, run);
      }
      run.push(message);
    }
    return [...grouped].map(([topic, messages]) => ({ topic, messages }));
  }

  async function produce(messages: readonly OutputMessage[]): Promise<void> {
    await producer.sendBatch({
      acks: -1,
      compression,
      // OutputMessage is a kafkajs message (its extra `topic` is ignored): handed over as it is.
      topicMessages: byTopic(messages),
    });
    metrics.recordsOut.inc({ stage }, messages.length);
  }

  let lastCommit = 0;
  let committing: Promise<void> = Promise.resolve();
  /** A commit queued behind the one in flight: later callers join it (it commits what is done when it starts). */
  let queued: Promise<void> | null = null;
  function commit(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - lastCommit < (options.commitIntervalMs ?? 1000)) return committing;
    if (queued) return queued;
    lastCommit = now;
    committing = queued = committing.then(async () => {
      queued = null;
      const offsets = tracker.takeCommittable().filter((o) => assigned.has(o.partition));
      metrics.uncommitted.set({ stage }, tracker.pendingCount());
      if (!offsets.length) return;
      try {
        await consumer.commitOffsets(offsets.map((o) => ({ topic: options.inputTopic, ...o })));
        metrics.commits.inc({ stage, outcome: 'ok' });
      } catch (error) {
        // A rebalance in progress rejects commits; the new owner re-reads from the last good commit.
        metrics.commits.inc({ stage, outcome: 'failed' });
        logger.warn({ err: (error as Error).message }, 'offset commit failed');
      }
    });
    return committing;
  }

  /**
   * Hands a batch to the processor. If it throws, retries record by record so
   * that one poison record goes to the dead-letter topic (with the processing
   * error) and the rest of the batch still flows. Processors must therefore
   * not keep partial effects of a batch that threw.
   */
  async function processIsolatingFailures(records: InputRecord<T>[]): Promise<void> {
    try {
      await processor.handleBatch(records, sink);
      return;
    } catch (error) {
      // Kafka being unreachable says nothing about the records: fail the batch so
      // kafkajs retries it, and restarts from the committed offsets if that fails too.
      if (error instanceof OutputUnavailableError) throw error;
      if (records.length === 1) {
        const [record] = records as [InputRecord<T>];
        await deadLetterAll([{ ref: record, raw: { key: record.key, value: record.raw ?? null }, error }]);
        return;
      }
      logger.warn({ err: (error as Error).message, records: records.length }, 'batch failed; retrying record by record');
    }
    for (const record of records) await processIsolatingFailures([record]);
  }

  let inFlight = 0;
  let idle: (() => void) | undefined;
  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    inFlight++;
    try {
      await handleBatch(payload);
    } finally {
      if (--inFlight === 0) idle?.();
    }
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Once stopping, nothing new is taken: it stays uncommitted and is read again by whoever comes next.
    if (stopping || !isRunning() || isStale() || !batch.messages.length) return;
    const endTimer = metrics.batchSeconds.startTimer({ stage });
    const { partition } = batch;
    const messages = batch.messages;
    tracker.consumed(partition, messages);
    metrics.recordsIn.inc({ stage }, messages.length);

    const decoded = await decoder.decodeBatch(messages.map((m) => m.value));
    const records: InputRecord<T>[] = [];
    const undecodable: Parameters<typeof deadLetterAll>[0][number][] = [];
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const result = decoded[i]!;
      if (result.ok) {
        records.push({ partition, offset: message.offset, key: message.key, value: result.value, body: result.body, raw: message.value });
      } else {
        undecodable.push({ ref: { partition, offset: message.offset }, raw: { key: message.key, value: message.value }, error: result.error });
      }
    }
    await deadLetterAll(undecodable);
    if (records.length) await processIsolatingFailures(records);
    // The fetch position moves on; the committed position follows the tracker.
    resolveOffset(batch.lastOffset());
    const lag = batch.offsetLag();
    metrics.lag.set({ stage, partition: String(partition) }, Number(lag));
    endTimer();
    await heartbeat();
    // Caught up with the partition's end: commit now rather than at the next interval, so a
    // quiet topic's committed offsets (and consumer-lag dashboards) do not trail what is done.
    await commit(lag === '0');
  }

  /**
   * Moves to a new assignment: lost partitions stop being tracked, and the
   * processor hears what was gained and lost (with what had been done in each lost one).
   */
  function reassign(now: ReadonlySet<number>): { gained: number[]; lost: number[] } {
    const gained = [...now].filter((p) => !assigned.has(p));
    const lost = [...assigned].filter((p) => !now.has(p));
    const released = new Map<number, ReleasedOffsets>();
    for (const partition of lost) {
      const offsets = tracker.forget(partition);
      if (offsets) released.set(partition, offsets);
      metrics.lag.remove({ stage, partition: String(partition) });
    }
    assigned = new Set(now);
    if (processor.onAssignment && (gained.length || lost.length)) {
      processor.onAssignment(gained, lost, sink, released).catch((error: Error) => logger.error({ err: error }, 'onAssignment failed'));
    }
    return { gained, lost };
  }

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const now = new Set<number>(event.payload.memberAssignment[options.inputTopic] ?? []);
    const { gained, lost } = reassign(now);
    joined = true;
    metrics.rebalances.inc({ stage });
    logger.info({ assigned: [...now].sort((a, b) => a - b), gained, lost }, 'consumer group assignment');
  });
  let failure: string | null = null;
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) failure = `consumer crashed and kafkajs does not restart it: ${event.payload.error?.message ?? 'unknown error'}`;
    // kafkajs restarts the consumer after most crashes; state for every partition is rebuilt from the committed offsets.
    logger.error({ err: event.payload.error?.message, restart: event.payload.restart }, 'consumer crashed');
    joined = false;
    reassign(new Set());
  });

  await consumer.connect();
  await consumer.subscribe({ topic: options.inputTopic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch,
  });

  const tickMs = options.tickMs ?? 1000;
  let ticking = false;
  const ticker =
    tickMs > 0
      ? setInterval(() => {
          if (ticking || stopping) return;
          ticking = true;
          Promise.resolve(processor.onTick?.(Date.now(), sink))
            .then(() => commit())
            .catch((error: Error) => logger.error({ err: error }, 'tick failed'))
            .finally(() => (ticking = false));
        }, tickMs)
      : undefined;

  return {
    consumer,
    ready: () => joined,
    failure: () => failure,
    async stop() {
      stopping = true;
      if (ticker) clearInterval(ticker);
      // Drain and commit while still a group member (commits fail once the consumer stopped).
      consumer.pause([{ topic: options.inputTopic }]);
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      if (processor.drain) await processor.drain(sink);
      await commit(true);
      await consumer.disconnect();
    },
  };
}
