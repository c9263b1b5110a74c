/**
 * Which consumed offsets are done, per partition, and so which offset may be
 * committed: the lowest offset not yet done (everything below it is done).
 * Offsets arrive in increasing order per partition; completion may come in
 * any order (a stateful stage holds some records back). Offsets are handled
 * as numbers: exact up to 2^53, far beyond any partition's lifetime, and much
 * cheaper than BigInt on the hot path.
 */
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

  forget(partition: number): void {
    this.partitions.delete(partition);
  }

  clear(): void {
    this.partitions.clear();
  }
}

class PartitionOffsets {
  /** Consumed offsets not yet done, ascending; `head` is the first still pending. */
  private readonly order: number[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  private lastSeen: number | null = null;
  lastCommitted: number | null = null;

  get pending(): number {
    return this.order.length - this.head - this.finished.size;
  }

  add(offset: number): void {
    if (this.lastSeen !== null && offset <= this.lastSeen) return; // re-delivered: already tracked
    this.order.push(offset);
    this.lastSeen = offset;
  }

  done(offset: number): void {
    if (this.finished.size === 0 && offset === this.order[this.head]) {
      // In order, nothing finished ahead of it: the usual case, without the set.
      this.head++;
      this.compact();
      return;
    }
    if (this.head < this.order.length && offset >= (this.order[this.head] as number)) this.finished.add(offset);
    this.advance();
  }

  /** The next offset to read once everything before it is done. */
  committable(): number | null {
    if (this.head < this.order.length) return this.order[this.head] as number;
    return this.lastSeen === null ? null : this.lastSeen + 1;
  }

  private advance(): void {
    while (this.head < this.order.length && this.finished.delete(this.order[this.head] as number)) this.head++;
    this.compact();
  }

  /** Drops the done prefix now and then so the array does not grow without bound. */
  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
