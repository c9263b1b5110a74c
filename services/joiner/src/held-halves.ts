/**
 * The halves one partition holds: those waiting for a peer, and those that
 * left MATCHED and are kept as context for a neighbour to borrow.
 *
 * Every lookup is within one conversation (the client endpoint), and a
 * conversation has few halves held at once (two ends times a few windows), so
 * the halves are grouped by conversation and a lookup scans that small list:
 * one map access per half (mostly on a numeric key, see conversationKey),
 * where an index per key (exact, Service-NAT bridge, context) would cost several.
 *
 * Halves leave in order of event time: the waiting at their release deadline,
 * the context at their forget time. Both orders are queues with lazy removal:
 * a half that leaves early (paired, evicted) is skipped when its turn comes
 * rather than searched for.
 */
import type { ConversationKey } from './conversation-key.js';
import type { PendingHalf } from './pending-half.js';

/**
 * Entries by due time (event time), each due time's in insertion order.
 * Entries that left stay until skipped; a skipped slot is cleared at once,
 * so that a half let go early (evicted under the cap) is not kept alive by
 * its place in the queue until its due time.
 */
class DueQueue {
  private readonly buckets = new Map<number, { entries: (PendingHalf | undefined)[]; head: number }>();
  /** Distinct due times, ascending. */
  private readonly times: number[] = [];

  push(due: number, entry: PendingHalf): void {
    let bucket = this.buckets.get(due);
    if (!bucket) {
      this.buckets.set(due, (bucket = { entries: [], head: 0 }));
      // New due times are nearly always the latest: scan from the end.
      let at = this.times.length;
      while (at > 0 && this.times[at - 1]! > due) at--;
      this.times.splice(at, 0, due);
    }
    bucket.entries.push(entry);
  }

  /**
   * The first live entry (earliest due, then insertion), dropping the dead
   * ones in front of it. `live` may change while the caller acts on the
   * answer; asking again moves on.
   */
  first(live: (entry: PendingHalf) => boolean): PendingHalf | undefined {
    while (this.times.length > 0) {
      const due = this.times[0]!;
      const bucket = this.buckets.get(due)!;
      while (bucket.head < bucket.entries.length) {
        const entry = bucket.entries[bucket.head]!;
        if (live(entry)) return entry;
        bucket.entries[bucket.head++] = undefined;
        if (bucket.head >= 1024 && bucket.head * 2 >= bucket.entries.length) {
          bucket.entries.splice(0, bucket.head);
          bucket.head = 0;
        }
      }
      this.buckets.delete(due);
      this.times.shift();
    }
    return undefined;
  }

  /** Like first, but only among entries due at or before `time`. */
  firstDue(time: number, live: (entry: PendingHalf) => boolean): PendingHalf | undefined {
    if ((this.times[0] ?? Number.POSITIVE_INFINITY) > time) return undefined;
    const entry = this.first(live);
    return entry !== undefined && this.times[0]! <= time ? entry : undefined;
  }
}

/** Halves held, counted where they are held; one member's partitions share one (JoinCore caps the sums). */
export interface HeldCounts {
  waiting: number;
  context: number;
}

const isWaiting = (entry: PendingHalf) => entry.state === 'waiting';
const isContext = (entry: PendingHalf) => entry.state === 'context';

export class HeldHalves {
  private readonly byConversation = new Map<ConversationKey, PendingHalf[]>();
  private readonly releases = new DueQueue();
  private readonly forgets = new DueQueue();
  private waitingCount = 0;
  private contextCount = 0;

  /**
   * @param forgetAt when a half kept as context is let go (event time).
   * @param totals counts shared with other partitions, kept in step with this one's.
   */
  constructor(
    private readonly forgetAt: (entry: PendingHalf) => number,
    private readonly totals: HeldCounts,
  ) {}

  /** Halves waiting for a peer. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Halves kept as context. */
  get context(): number {
    return this.contextCount;
  }

  /** Holds a half that just arrived until its deadline. */
  wait(entry: PendingHalf): void {
    entry.state = 'waiting';
    this.countWaiting(1);
    this.track(entry);
    this.releases.push(entry.deadline, entry);
  }

  /** Keeps a half that left MATCHED (whether it waited or not) as context until its forget time. */
  keepAsContext(entry: PendingHalf): void {
    if (entry.state === 'waiting') this.countWaiting(-1);
    else this.track(entry);
    entry.state = 'context';
    this.countContext(1);
    this.forgets.push(this.forgetAt(entry), entry);
  }

  /** Lets a held half go: it left (not as context), or its context is no longer needed. */
  drop(entry: PendingHalf): void {
    if (entry.state === 'waiting') this.countWaiting(-1);
    else if (entry.state === 'context') this.countContext(-1);
    else return;
    entry.state = 'gone';
    const halves = this.byConversation.get(entry.conversation)!;
    if (halves.length === 1) this.byConversation.delete(entry.conversation);
    else halves.splice(halves.indexOf(entry), 1);
  }

  /**
   * A held half of the other end in `window`, in `state`, oldest first: one of
   * the same conversation and server; else, when both are bridgeable, one of
   * the same conversation naming another server (the two sides of a Service DNAT).
   */
  findPeer(entry: PendingHalf, window: number, state: 'waiting' | 'context'): PendingHalf | undefined {
    const halves = this.byConversation.get(entry.conversation);
    if (halves === undefined) return undefined;
    let bridged: PendingHalf | undefined;
    for (const other of halves) {
      if (other.fromClient === entry.fromClient || other.windowStart !== window || other.state !== state) continue;
      if (other.server === entry.server) return other;
      bridged ??= entry.bridgeable && other.bridgeable ? other : undefined;
    }
    return bridged;
  }

  /** The waiting half released first: earliest deadline, then earliest arrival. */
  firstWaiting(): PendingHalf | undefined {
    return this.releases.first(isWaiting);
  }

  /** The first waiting half whose deadline is at or before `eventTime`. */
  firstDue(eventTime: number): PendingHalf | undefined {
    return this.releases.firstDue(eventTime, isWaiting);
  }

  /** Lets go of context halves whose forget time is at or before `eventTime`. */
  forgetUpTo(eventTime: number): void {
    for (let entry = this.forgets.firstDue(eventTime, isContext); entry; entry = this.forgets.firstDue(eventTime, isContext)) this.drop(entry);
  }

  /** Lets go of the context half forgotten first (to stay within a cap); false when none is kept. */
  forgetOldest(): boolean {
    const entry = this.forgets.first(isContext);
    if (entry) this.drop(entry);
    return entry !== undefined;
  }

  private countWaiting(change: number): void {
    this.waitingCount += change;
    this.totals.waiting += change;
  }

  private countContext(change: number): void {
    this.contextCount += change;
    this.totals.context += change;
  }

  private track(entry: PendingHalf): void {
    const halves = this.byConversation.get(entry.conversation);
    if (halves === undefined) this.byConversation.set(entry.conversation, [entry]);
    else halves.push(entry);
  }
}
