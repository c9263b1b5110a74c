/**
 * The joiner as a stage of the shared consumer loop: decoded halves in, one
 * encoded JoinedFlow out per half. A record completes its input offset only
 * when it is produced, so a half held back for its peer holds back the
 * partition's commit: that is what makes the join at-least-once.
 */
import type { InputRecord, InputRef, Logger, OutputMessage, OutputSink, RecordCodec, ReleasedOffsets, StreamProcessor } from '@flowmesh/lib';
import type { Emission } from './emission.js';
import type { JoinCore } from './join-core.js';
import { HandoverMemory } from './handover-memory.js';
import { invalidHalf } from './half-validation.js';
import type { JoinHalf, JoinRecord } from './join-half.js';
import { heldBytes } from './pending-half.js';
import { JoinedFlowWriter } from './joined-flow-writer.js';
import type { CommittedPosition, ReadProgress } from './read-progress.js';

export interface JoinerProcessorOptions {
  core: JoinCore;
  outputCodec: RecordCodec<'JoinedFlow'>;
  /** Frames a rejected half's body for the dead-letter topic when its original bytes are not at hand. */
  inputCodec: RecordCodec<'FlowHalf'>;
  progress: ReadProgress;
  /** Where the previous owner of a partition left off; absent in tests that do not care. */
  committedPositions?: (partitions: readonly number[]) => Promise<Map<number, CommittedPosition>>;
  logger: Logger;
  now?: () => number;
  /** Sees every record once the broker has acknowledged it (embedding, tests). */
  observe?: (emissions: readonly Emission[]) => void;
  /**
   * When the consumer last completed a fetch. A partition counts as idle only
   * while fetches go on and bring nothing for it: during a rebalance or a broker
   * outage nothing is fetched, and its halves' peers may be waiting unread.
   */
  lastFetchAt?: () => number;
}

export class JoinerProcessor implements StreamProcessor<JoinHalf> {
  private readonly core: JoinCore;
  private readonly now: () => number;
  /** Per newly assigned partition: the previous owner's position, read before the first batch is counted. */
  private readonly resuming = new Map<number, Promise<void>>();
  /**
   * Records that left the join but failed to produce. They are out of the
   * core and their batch will not be handed over again (the core skips
   * re-deliveries), so they are retried before anything else is sent.
   */
  private unsent: Emission[] = [];
  /** What this member produced from partitions it gave up, not to be produced again if they come back. */
  private readonly handover = new HandoverMemory();
  private readonly writer: JoinedFlowWriter;

  constructor(private readonly options: JoinerProcessorOptions) {
    this.core = options.core;
    this.writer = new JoinedFlowWriter(options.outputCodec);
    this.now = options.now ?? Date.now;
  }

  async handleBatch(records: readonly InputRecord<JoinHalf>[], sink: OutputSink): Promise<void> {
    const partition = records[0]?.partition;
    if (partition === undefined) return;
    await this.resuming.get(partition);
    const valid: JoinRecord[] = [];
    const rejected: { record: InputRecord<JoinHalf>; error: Error }[] = [];
    this.options.progress.read(partition, records);
    for (const record of records) {
      const problem = invalidHalf(record);
      if (problem) rejected.push({ record, error: problem });
      else valid.push(record as JoinRecord);
    }
    const emissions = this.core.accept(valid, this.now());
    await Promise.all([this.send(emissions, sink), ...rejected.map(({ record, error }) => this.deadLetter(record, error, sink))]);
  }

  async onAssignment(assigned: readonly number[], revoked: readonly number[], _sink?: OutputSink, released?: ReadonlyMap<number, ReleasedOffsets>): Promise<void> {
    // Revoked partitions were not committed past their pending halves: the new owner re-reads them.
    this.core.revoke(revoked);
    for (const partition of revoked) {
      const offsets = released?.get(partition);
      if (offsets) this.handover.remember(partition, offsets.from, offsets.upTo, offsets.notDone);
      this.options.progress.forget(partition);
      this.resuming.delete(partition);
    }
    this.unsent = this.unsent.filter((e) => !revoked.includes(e.ref.partition));
    if (!assigned.length) return;
    const lookup = this.options.committedPositions ?? (async () => new Map<number, CommittedPosition>());
    // A partition revoked again before its lookup answers is left to its next assignment.
    const stillResuming = () => assigned.filter((partition) => this.resuming.get(partition) === positions);
    const positions: Promise<void> = lookup(assigned).then(
      (found) => {
        for (const partition of stillResuming()) {
          const position = found.get(partition);
          this.handover.resume(partition, position && position.offset >= 0 ? position.offset : null);
          if (position) this.options.progress.resumeFrom(partition, position, this.handover.withholds(partition));
        }
      },
      (error: Error) => {
        for (const partition of stillResuming()) this.handover.resume(partition, null);
        this.options.logger.warn({ err: error.message }, 'cannot read committed offsets; re-reads after this assignment are not counted');
      },
    );
    for (const partition of assigned) this.resuming.set(partition, positions);
    await positions;
    for (const partition of assigned) if (this.resuming.get(partition) === positions) this.resuming.delete(partition);
  }

  async onTick(nowMs: number, sink: OutputSink): Promise<void> {
    const idleClock = Math.min(nowMs, this.options.lastFetchAt?.() ?? nowMs);
    await this.send(this.core.tick(idleClock), sink);
  }

  /** Shutdown: emit every pending half (PEER_MISSING unless neighbours pair), so the final commit covers everything read. */
  async drain(sink: OutputSink): Promise<void> {
    await this.send(this.core.drain(), sink);
  }

  /**
   * The metadata to store with a commit of `offset` in `partition` (see
   * read-progress.ts); null while the previous owner's note is still being
   * read, so that it is not overwritten before it is known.
   */
  commitNote(partition: number, offset: string): string | null {
    if (this.resuming.has(partition)) return null;
    this.handover.committed(partition, Number(offset));
    return this.options.progress.note(partition, Number(offset), this.core.pendingIn(partition));
  }

  private async send(fresh: readonly Emission[], sink: OutputSink): Promise<void> {
    forEachPartitionRun(fresh, (partition, records) => this.options.progress.sending(partition, records));
    const emissions = this.unsent.length ? [...this.unsent.splice(0), ...fresh] : fresh;
    if (!emissions.length) return;
    const messages: OutputMessage[] = [];
    const written: Emission[] = [];
    const completes: InputRef[] = [];
    const unwritable: { emission: Emission; error: unknown }[] = [];
    for (const emission of emissions) {
      if (!this.handover.empty && this.handover.producedBefore(emission.ref.partition, Number(emission.ref.offset))) {
        // Its record went out before the partition left and came back: done, not produced again.
        completes.push(emission.ref);
        this.options.progress.counts.withheld++;
        continue;
      }
      try {
        messages.push({ key: emission.key, value: this.writer.encode(emission) });
        written.push(emission);
        completes.push(emission.ref);
      } catch (error) {
        // Its half left the join already: it goes to the dead-letter topic rather than stall the partition.
        unwritable.push({ emission, error });
      }
    }
    try {
      await Promise.all([sink.send(messages, completes), ...unwritable.map(({ emission, error }) => this.deadLetterRecord(emission, error, sink))]);
    } catch (error) {
      this.unsent.push(...emissions);
      throw error;
    }
    forEachPartitionRun(emissions, (partition, records) => this.options.progress.sent(partition, records));
    // A send that was in flight when its partition was revoked: its records count as produced after all.
    if (this.handover.holding) for (const { ref } of emissions) this.handover.produced(ref.partition, Number(ref.offset));
    this.options.observe?.(written);
  }

  /** A record that could not be written: its half's bytes go to the dead-letter topic with the reason. */
  private deadLetterRecord(emission: Emission, error: unknown, sink: OutputSink): Promise<void> {
    return sink.deadLetter(emission.ref, { key: emission.key, value: this.framed(heldBytes(emission.body)) }, error);
  }

  private deadLetter(record: InputRecord<JoinHalf>, error: Error, sink: OutputSink): Promise<void> {
    return sink.deadLetter(record, { key: record.key, value: record.raw ?? this.framed(record.body) }, error);
  }

  private framed(body: Buffer | null | undefined): Buffer | null {
    return body ? this.options.inputCodec.frame(body) : null;
  }
}

/** Calls `count` once per run of consecutive emissions from one partition (a batch's are all one). */
function forEachPartitionRun(emissions: readonly Emission[], count: (partition: number, records: number) => void): void {
  let start = 0;
  for (let i = 1; i <= emissions.length; i++) {
    if (i === emissions.length || emissions[i]!.ref.partition !== emissions[start]!.ref.partition) {
      count(emissions[start]!.ref.partition, i - start);
      start = i;
    }
  }
}
