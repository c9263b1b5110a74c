/**
 * Which consumed offsets are done, per partition, and so which offset may be
 * committed: the lowest offset not yet done (everything below it is done).
 * Offsets arrive in increasing order per partition; completion may come in
 * any order (a stateful stage holds some records back). Offsets are handled
 * as numbers: exact up to 2^53, far beyond any partition's lifetime, and much
 * cheaper than BigInt on the hot path.
 */
import type { ReleasedOffsets } from './stream-types.js';

export class OffsetTracker {
  private readonly partitions = new Map<number, PartitionOffsets>();

  /** Registers the offsets of consumed messages (in increasing order). */
  consumed(partition: number, messages: readonly { offset: string }[]): void {
    let state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, (state = new PartitionOffsets()));
    for (const { offset } of messages) state.add(Number(offset));
  }

  done(partition: number, offset: string): void {
    this.partitions.get(partition)?.done(Number(offset));
  }

  /** Offsets to commit (the next offset to read), for partitions that advanced since the last call. */
  takeCommittable(): { partition: number; offset: string }[] {
    const result: { partition: number; offset: string }[] = [];
    for (const [partition, state] of this.partitions) {
      const next = state.committable();
      if (next !== null && next !== state.lastCommitted) {
        state.lastCommitted = next;
        result.push({ partition, offset: next.toString() });
      }
    }
    return result;
  }

  /** Consumed but not yet done, over all partitions. */
  pendingCount(): number {
    let total = 0;
    for (const state of this.partitions.values()) total += state.pending;
    return total;
  }

  /** Stops tracking a lost partition; returns what had been done in it (null when nothing was consumed). */
  forget(partition: number): ReleasedOffsets | null {
    const state = this.partitions.get(partition);
    this.partitions.delete(partition);
    return state?.released() ?? null;
  }
}

class PartitionOffsets {
  /** Consumed offsets, ascending; `head` is the first not yet done. */
  private readonly order: number[] = [];
  /** 1 where the offset at the same index is done (ahead of `head`, out of order). */
  private readonly finished: number[] = [];
  private head = 0;
  private finishedAhead = 0;
  private firstSeen: number | null = null;
  private lastSeen: number | null = null;
  lastCommitted: number | null = null;

  get pending(): number {
    return this.order.length - this.head - this.finishedAhead;
  }

  add(offset: number): void {
    if (this.lastSeen !== null && offset <= this.lastSeen) return; // re-delivered: already tracked
    this.order.push(offset);
    this.finished.push(0);
    this.firstSeen ??= offset;
    this.lastSeen = offset;
  }

  released(): ReleasedOffsets | null {
    if (this.firstSeen === null || this.lastSeen === null) return null;
    const notDone: number[] = [];
    for (let i = this.head; i < this.order.length; i++) if (this.finished[i] === 0) notDone.push(this.order[i]!);
    return { from: this.firstSeen, upTo: this.lastSeen + 1, notDone };
  }

  done(offset: number): void {
    const index = this.indexOf(offset);
    if (index < 0 || this.finished[index] === 1) return; // unknown, already committable, or done twice
    this.finished[index] = 1;
    this.finishedAhead++;
    if (index === this.head) this.advance();
  }

  /** The next offset to read once everything before it is done. */
  committable(): number | null {
    if (this.head < this.order.length) return this.order[this.head] as number;
    return this.lastSeen === null ? null : this.lastSeen + 1;
  }

  /** Where `offset` is among the pending offsets, -1 when not there. Offsets are mostly consecutive: one guess, else a binary search. */
  private indexOf(offset: number): number {
    const order = this.order;
    let low = this.head;
    let high = order.length - 1;
    if (low > high || offset < order[low]! || offset > order[high]!) return -1;
    const guess = low + (offset - order[low]!);
    if (guess <= high && order[guess] === offset) return guess;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = order[middle]!;
      if (value === offset) return middle;
      if (value < offset) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  private advance(): void {
    while (this.head < this.order.length && this.finished[this.head] === 1) {
      this.head++;
      this.finishedAhead--;
    }
    this.compact();
  }

  /** Drops the done prefix now and then so the arrays do not grow without bound. */
  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.finished.splice(0, this.head);
      this.head = 0;
    }
  }
}
