/**
 * The pending halves of one partition: two lookup indexes per vantage (the
 * exact conversation key and the Service-NAT bridge key) and an order by
 * release deadline. Deadlines fall on window boundaries, so there are few
 * distinct ones: a sorted list of deadlines with an insertion-ordered set per
 * deadline beats a heap and removes in O(1).
 */
import type { FlowHalf, Vantage } from '@flowmesh/lib';
import { sameServer, type PendingHalf } from './pending-half.js';

/** Several pending halves may share a key (duplicated input, port reuse); the oldest is used first. */
class MultiIndex {
  private readonly map = new Map<string, PendingHalf | PendingHalf[]>();

  add(key: string, entry: PendingHalf): void {
    const current = this.map.get(key);
    if (current === undefined) this.map.set(key, entry);
    else if (Array.isArray(current)) current.push(entry);
    else this.map.set(key, [current, entry]);
  }

  remove(key: string, entry: PendingHalf): void {
    const current = this.map.get(key);
    if (current === entry) this.map.delete(key);
    else if (Array.isArray(current)) {
      const at = current.indexOf(entry);
      if (at >= 0) current.splice(at, 1);
      if (current.length === 1) this.map.set(key, current[0]!);
    }
  }

  /** The oldest entry under `key`. */
  first(key: string): PendingHalf | undefined {
    const current = this.map.get(key);
    return Array.isArray(current) ? current[0] : current;
  }

  /** The oldest entry under `key` whose server differs from `half`'s. */
  firstOtherServer(key: string, half: FlowHalf): PendingHalf | undefined {
    const current = this.map.get(key);
    if (current === undefined) return undefined;
    if (!Array.isArray(current)) return sameServer(current.half, half) ? undefined : current;
    for (const entry of current) if (!sameServer(entry.half, half)) return entry;
    return undefined;
  }
}

export class PendingHalves {
  /**
   * @param dueAt when a half is due to leave (event time); halves leave in
   *   that order. The release deadline for waiting halves.
   */
  constructor(private readonly dueAt: (entry: PendingHalf) => number = (entry) => entry.deadline) {}

  private readonly exact: Record<Vantage, MultiIndex> = { SRC: new MultiIndex(), DST: new MultiIndex() };
  private readonly bridge: Record<Vantage, MultiIndex> = { SRC: new MultiIndex(), DST: new MultiIndex() };
  private readonly byDeadline = new Map<number, Set<PendingHalf>>();
  /** Distinct deadlines, ascending. */
  private readonly deadlines: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(entry: PendingHalf): void {
    this.exact[entry.vantage].add(entry.exactKey, entry);
    if (entry.bridgeKey !== null) this.bridge[entry.vantage].add(entry.bridgeKey, entry);
    const due = this.dueAt(entry);
    let bucket = this.byDeadline.get(due);
    if (!bucket) {
      this.byDeadline.set(due, (bucket = new Set()));
      this.insertDeadline(due);
    }
    bucket.add(entry);
    this.count++;
  }

  remove(entry: PendingHalf): void {
    const due = this.dueAt(entry);
    const bucket = this.byDeadline.get(due);
    if (!bucket?.delete(entry)) return;
    this.count--;
    if (bucket.size === 0) {
      this.byDeadline.delete(due);
      this.deadlines.splice(this.deadlines.indexOf(due), 1);
    }
    this.exact[entry.vantage].remove(entry.exactKey, entry);
    if (entry.bridgeKey !== null) this.bridge[entry.vantage].remove(entry.bridgeKey, entry);
  }

  /** A pending half of `vantage` under this exact key (conversation, server, window). */
  findExact(vantage: Vantage, key: string): PendingHalf | undefined {
    return this.exact[vantage].first(key);
  }

  /** A bridgeable pending half of `vantage` under this bridge key whose server differs from `half`'s. */
  findBridge(vantage: Vantage, key: string, half: FlowHalf): PendingHalf | undefined {
    return this.bridge[vantage].firstOtherServer(key, half);
  }

  /** The earliest due time of any half held; +Infinity when none. */
  get earliestDue(): number {
    return this.deadlines[0] ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Takes out every half whose deadline is at or before `eventTime`, in
   * release order (deadline, then arrival), and hands each to `release`,
   * which may take out others (a peer it pairs with).
   */
  releaseUpTo(eventTime: number, release: (entry: PendingHalf) => void): void {
    while (this.deadlines.length > 0 && this.deadlines[0]! <= eventTime) {
      // A Set iterates in insertion order and skips what is deleted meanwhile.
      for (const entry of this.byDeadline.get(this.deadlines[0]!)!) {
        this.remove(entry);
        release(entry);
      }
    }
  }

  /** The pending half released first: earliest deadline, then earliest arrival. */
  first(): PendingHalf | undefined {
    const deadline = this.deadlines[0];
    if (deadline === undefined) return undefined;
    return this.byDeadline.get(deadline)?.values().next().value;
  }

  private insertDeadline(deadline: number): void {
    // New deadlines are nearly always the latest: scan from the end.
    let at = this.deadlines.length;
    while (at > 0 && this.deadlines[at - 1]! > deadline) at--;
    this.deadlines.splice(at, 0, deadline);
  }
}
