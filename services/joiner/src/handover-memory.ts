/**
 * What this member already produced from the partitions it gave up, so that
 * it does not produce it again if a partition comes back. A partition may
 * leave and return within seconds (another member joins, then fails its
 * group sync and leaves); the member then re-reads from the committed offset,
 * which trails what it produced by up to a grace period of halves.
 *
 * Kept compactly as "every offset below `readUpTo` except these", from what
 * the shared loop tracked when the partition was revoked (ReleasedOffsets):
 * everything it had consumed was done (produced or dead-lettered) except the
 * halves still waiting for a peer and the records not yet acknowledged. The
 * re-read halves still go through the join (they are context for the halves
 * that were waiting); only their records are withheld.
 */

interface Memory {
  /** The first offset this member read in the partition: a commit below it means the log was reset. */
  readFrom: number;
  /** Next offset the member would have read. */
  readUpTo: number;
  /** Offsets below readUpTo whose records were not produced by this member. */
  unproduced: Set<number>;
  /** Whether the partition came back with a commit that makes the memory trustworthy. */
  active: boolean;
  /** When the partition was revoked (ms), to let go of a memory whose partition stays away. */
  at: number;
}

/** A partition away longer than this has most likely found a new owner for good. */
const KEPT_FOR_MS = 10 * 60_000;

export class HandoverMemory {
  private readonly partitions = new Map<number, Memory>();
  /** Memories in use, checked on the hot path: zero almost always. */
  private activeCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The partition was revoked after consuming [readFrom, readUpTo); `unproduced`
   * offsets in it were not done. If it had come back with a memory and leaves
   * again before re-reading all of it, what lies beyond this reading is kept.
   */
  remember(partition: number, readFrom: number, readUpTo: number, unproduced: Iterable<number>): void {
    const previous = this.partitions.get(partition);
    this.forget(partition);
    this.forgetStale();
    if (readUpTo <= readFrom) return;
    const memory: Memory = { readFrom, readUpTo, unproduced: new Set(unproduced), active: false, at: this.now() };
    if (previous?.active && previous.readUpTo > readUpTo && previous.readFrom <= readFrom) {
      for (const offset of previous.unproduced) if (offset >= readUpTo) memory.unproduced.add(offset);
      memory.readFrom = previous.readFrom;
      memory.readUpTo = previous.readUpTo;
    }
    this.partitions.set(partition, memory);
  }

  /**
   * The partition came back; re-reading starts at `committed` (null when it is
   * not known). The memory is used only when the commit lies within what this
   * member read: a commit below it means the log or the group's offsets were
   * reset (offsets mean other records now), and one at or past its end leaves
   * nothing to withhold.
   */
  resume(partition: number, committed: number | null): void {
    const memory = this.partitions.get(partition);
    if (!memory || memory.active) return;
    if (committed === null || committed < memory.readFrom || committed >= memory.readUpTo) {
      this.forget(partition);
      return;
    }
    memory.active = true;
    this.activeCount++;
  }

  /** No partition came back with a memory: nothing to withhold (the hot path's check). */
  get empty(): boolean {
    return this.activeCount === 0;
  }

  /** Any memory kept, in use or waiting for its partition to come back. */
  get holding(): boolean {
    return this.partitions.size > 0;
  }

  /** Whether records of `partition` may be withheld (it came back with a usable memory). */
  withholds(partition: number): boolean {
    return this.partitions.get(partition)?.active ?? false;
  }

  /** Whether this member produced the record for `offset` before it gave the partition up. */
  producedBefore(partition: number, offset: number): boolean {
    const memory = this.partitions.get(partition);
    return memory !== undefined && memory.active && offset < memory.readUpTo && offset >= memory.readFrom && !memory.unproduced.has(offset);
  }

  /** Records produced since the partition was revoked (they were in flight then). */
  produced(partition: number, offset: number): void {
    this.partitions.get(partition)?.unproduced.delete(offset);
  }

  /** Everything below `offset` is committed: nothing below the memory's end can be re-read any more. */
  committed(partition: number, offset: number): void {
    const memory = this.partitions.get(partition);
    if (memory?.active && offset >= memory.readUpTo) this.forget(partition);
  }

  forget(partition: number): void {
    const memory = this.partitions.get(partition);
    if (memory?.active) this.activeCount--;
    this.partitions.delete(partition);
  }

  private forgetStale(): void {
    const oldest = this.now() - KEPT_FOR_MS;
    for (const [partition, memory] of this.partitions) if (!memory.active && memory.at < oldest) this.partitions.delete(partition);
  }
}
