/**
 * The join over all partitions a member owns, without Kafka: halves in,
 * output records (each with the input offset it completes) out. Holds the
 * member-wide cap on pending halves.
 */
import { AddressScope } from './address-scope.js';
import type { Emission } from './emission.js';
import type { JoinRecord } from './join-half.js';
import type { JoinSettings } from './join-settings.js';
import { newJoinStats, type JoinStats } from './join-stats.js';
import type { HeldCounts } from './held-halves.js';
import { PartitionJoiner } from './partition-joiner.js';

export interface PartitionView {
  partition: number;
  pending: number;
  /** Halves that left MATCHED, kept as context for neighbours to borrow. */
  context: number;
  /** Latest window end seen, ms; -Infinity before the first half. */
  watermark: number;
}

export class JoinCore {
  readonly stats: JoinStats = newJoinStats();
  private readonly scope: AddressScope;
  private readonly partitions = new Map<number, PartitionJoiner>();
  /** Halves waiting and kept as context, all partitions (kept by the partitions' HeldHalves); each capped by maxPending. */
  private readonly held: HeldCounts = { waiting: 0, context: 0 };

  constructor(private readonly settings: JoinSettings) {
    this.scope = new AddressScope(settings.clusterCidrs, settings.serviceCidrs);
  }

  get pending(): number {
    return this.held.waiting;
  }

  /** Joins one partition's records (offset order); returns what is ready to be produced. */
  accept(records: readonly JoinRecord[], nowMs: number): Emission[] {
    const out: Emission[] = [];
    for (const record of records) {
      this.partition(record.partition, nowMs).accept(record, nowMs, out);
      if (this.held.waiting > this.settings.maxPending) this.evict(out);
      if (this.held.context > this.settings.maxPending) this.forgetContext();
    }
    return out;
  }

  /** Wall-clock housekeeping: releases the pending halves of idle partitions. */
  tick(nowMs: number): Emission[] {
    return this.forEachPartition((joiner, out) => joiner.releaseIfIdle(nowMs, out));
  }

  /** Releases every pending half of every partition (shutdown: nothing must stay behind). */
  drain(): Emission[] {
    return this.forEachPartition((joiner, out) => joiner.releaseAll(out));
  }

  /**
   * Forgets revoked partitions without emitting: their pending halves' offsets
   * were never committed, so the new owner reads and joins them again.
   */
  revoke(partitions: readonly number[]): void {
    for (const partition of partitions) {
      const joiner = this.partitions.get(partition);
      if (!joiner) continue;
      this.stats.handedOver += joiner.size;
      this.held.waiting -= joiner.size;
      this.held.context -= joiner.contextSize;
      this.partitions.delete(partition);
    }
  }

  /** Halves pending in one partition. */
  pendingIn(partition: number): number {
    return this.partitions.get(partition)?.size ?? 0;
  }

  view(): PartitionView[] {
    return [...this.partitions.values()].map((j) => ({ partition: j.partition, pending: j.size, context: j.contextSize, watermark: j.watermark }));
  }

  private partition(partition: number, nowMs: number): PartitionJoiner {
    let joiner = this.partitions.get(partition);
    if (!joiner) this.partitions.set(partition, (joiner = new PartitionJoiner(partition, this.settings, this.scope, this.stats, nowMs, this.held)));
    return joiner;
  }

  private forEachPartition(action: (joiner: PartitionJoiner, out: Emission[]) => void): Emission[] {
    const out: Emission[] = [];
    for (const joiner of this.partitions.values()) action(joiner, out);
    if (this.held.context > this.settings.maxPending) this.forgetContext();
    return out;
  }

  /** Lets go of context in the partition keeping the most, the first to be forgotten first. */
  private forgetContext(): void {
    while (this.held.context > this.settings.maxPending) {
      if (!this.largestBy((joiner) => joiner.contextSize)?.forgetOldestContext()) return;
    }
  }

  /** Makes room in the partition holding the most: it is the one growing the state. */
  private evict(out: Emission[]): void {
    while (this.held.waiting > this.settings.maxPending) {
      if (!this.largestBy((joiner) => joiner.size)?.evictOne(out)) return;
    }
  }

  private largestBy(measure: (joiner: PartitionJoiner) => number): PartitionJoiner | undefined {
    let largest: PartitionJoiner | undefined;
    for (const joiner of this.partitions.values()) if (!largest || measure(joiner) > measure(largest)) largest = joiner;
    return largest;
  }
}
