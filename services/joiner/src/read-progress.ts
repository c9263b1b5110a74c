/**
 * Counting what a member reads twice. With each offset commit the joiner
 * leaves a note in the commit's metadata: how far it had read, and how many
 * halves at or above the committed offset it had already produced. Whoever
 * owns the partition next (this member after a rebalance, or a restarted one
 * after a crash) reads the note back with the committed offset: every offset
 * between the commit and the note's read mark is a re-read, and the produced
 * count is how many records it will produce a second time (exact as of the
 * last commit; what was produced after it, at most one commit interval, is
 * not known to anyone).
 */
import { randomBytes } from 'node:crypto';

export interface ProgressNote {
  /** Next offset the writer would have read. */
  read: number;
  /** Halves at or above the committed offset whose records were already produced. */
  produced: number;
  /** Which member process wrote it (absent in notes of older versions). */
  member?: string;
}

const PREFIX = 'flowmesh-joiner/1 ';

export function encodeNote(note: ProgressNote): string {
  return `${PREFIX}read=${note.read} produced=${note.produced}${note.member ? ` member=${note.member}` : ''}`;
}

/** The note in a commit's metadata; null when there is none or it is someone else's. */
export function decodeNote(metadata: string | null | undefined): ProgressNote | null {
  if (!metadata?.startsWith(PREFIX)) return null;
  const match = /^read=(\d+) produced=(\d+)(?: member=(\w+))?$/.exec(metadata.slice(PREFIX.length));
  if (!match) return null;
  const note: ProgressNote = { read: Number(match[1]), produced: Number(match[2]) };
  if (match[3]) note.member = match[3];
  return note;
}

/** A partition's committed offset and its metadata, as the group coordinator holds them. */
export interface CommittedPosition {
  offset: number;
  metadata: string | null;
}

export interface RereadCounts {
  /** Halves read again at offsets a previous reading had already reached. */
  rereads: number;
  /** Records produced again (as of the previous owner's last commit). */
  duplicates: number;
  /** Records not produced again because this member had produced them before the partition left and came back. */
  withheld: number;
}

interface PartitionProgress {
  nextRead: number;
  /** Records emitted but not yet acknowledged by the broker. */
  inFlight: number;
  /** Offsets in [from, to) are re-reads. */
  rereadFrom: number;
  rereadTo: number;
}

export class ReadProgress {
  readonly counts: RereadCounts = { rereads: 0, duplicates: 0, withheld: 0 };
  private readonly partitions = new Map<number, PartitionProgress>();

  /** @param member names this process in its notes, so that it knows its own note when a partition comes back. */
  constructor(readonly member: string = randomBytes(4).toString('hex')) {}

  private state(partition: number): PartitionProgress {
    let state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, (state = { nextRead: 0, inFlight: 0, rereadFrom: 0, rereadTo: 0 }));
    return state;
  }

  /**
   * The previous owner's commit, read back when the partition was assigned.
   * `withholding`: this member remembers what it produced from the partition
   * before (HandoverMemory) and will not produce it again, so its own note's
   * produced halves are not duplicates.
   */
  resumeFrom(partition: number, committed: CommittedPosition, withholding = false): void {
    const note = decodeNote(committed.metadata);
    if (!note || committed.offset < 0) return;
    const state = this.state(partition);
    state.rereadFrom = committed.offset;
    state.rereadTo = note.read;
    if (!(withholding && note.member === this.member)) this.counts.duplicates += note.produced;
  }

  /** Counts a batch of records read from `partition`. */
  read(partition: number, records: readonly { offset: string }[]): void {
    const state = this.state(partition);
    for (const record of records) {
      const offset = Number(record.offset);
      if (offset >= state.rereadFrom && offset < state.rereadTo) this.counts.rereads++;
      if (offset >= state.nextRead) state.nextRead = offset + 1;
    }
  }

  sending(partition: number, records: number): void {
    this.state(partition).inFlight += records;
  }

  sent(partition: number, records: number): void {
    this.state(partition).inFlight -= records;
  }

  /** The note for a commit of `offset`; `pending` halves of the partition are held (not produced). */
  note(partition: number, offset: number, pending: number): string {
    const state = this.state(partition);
    const produced = Math.max(0, state.nextRead - offset - pending - state.inFlight);
    return encodeNote({ read: Math.max(state.nextRead, offset), produced, member: this.member });
  }

  forget(partition: number): void {
    this.partitions.delete(partition);
  }
}
