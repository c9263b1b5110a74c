/**
 * The contract between the shared consumer loop (stream.ts) and a stage's
 * processor. The loop consumes, decodes, dead-letters what cannot be decoded,
 * and commits; the processor turns decoded records into output messages and
 * tells the loop, through the sink, which input offsets those outputs complete.
 * An input offset is committed only once it and every offset below it in its
 * partition is complete, which gives at-least-once delivery without loss even
 * for stateful stages (the joiner holds halves back for a while).
 */

/** A position in the input topic. Offsets are kept as strings, as kafkajs does. */
export interface InputRef {
  partition: number;
  offset: string;
}

/** One decoded input record. */
export interface InputRecord<I> extends InputRef {
  key: Buffer | null;
  value: I;
  /**
   * The value's Avro body in the newest schema, when the decoder keeps it (a
   * projection does: a view into the fetch buffer, copy it to keep it).
   */
  body?: Buffer | null;
  /** The message value exactly as received (a view into the fetch buffer): what the dead-letter topic gets. */
  raw?: Buffer | null;
}

/** One message to produce on the stage's output topic. */
export interface OutputMessage {
  key: Buffer | string | null;
  value: Buffer;
  headers?: Record<string, string>;
  /** Explicit output topic; the stage's default output topic when absent. */
  topic?: string;
}

export interface OutputSink {
  /**
   * Produces `messages` (acks from the broker before it resolves), then marks
   * `completes` as done so their offsets may be committed.
   */
  send(messages: readonly OutputMessage[], completes: readonly InputRef[]): Promise<void>;
  /** Sends one input record to the dead-letter topic with the reason, and marks it done. */
  deadLetter(ref: InputRef, raw: { key: Buffer | null; value: Buffer | null }, error: unknown): Promise<void>;
}

/**
 * How far a member got in a partition it lost, as the loop tracked it: every
 * offset below `upTo` was done (its output produced, or dead-lettered) except
 * `notDone`; `from` is the first offset it consumed there. A stateful stage
 * uses it not to produce again what it had produced if the partition comes back.
 */
export interface ReleasedOffsets {
  from: number;
  upTo: number;
  notDone: readonly number[];
}

export interface StreamProcessor<I> {
  /** Handles one partition's batch of decoded records, in offset order. */
  handleBatch(records: readonly InputRecord<I>[], sink: OutputSink): Promise<void>;
  /** Called after the member's assignment changed: partitions gained and lost (with how far it got in each lost one). */
  onAssignment?(assigned: readonly number[], revoked: readonly number[], sink: OutputSink, released: ReadonlyMap<number, ReleasedOffsets>): Promise<void>;
  /** Called on a timer (see StreamOptions.tickMs) for time-driven output such as idle windows. */
  onTick?(nowMs: number, sink: OutputSink): Promise<void>;
  /** Called once on shutdown before the final commit: emit what must not be lost. */
  drain?(sink: OutputSink): Promise<void>;
}
