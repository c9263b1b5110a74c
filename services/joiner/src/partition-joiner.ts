/**
 * The join for one input partition. Both halves of a conversation share the
 * partition (the key is the client endpoint), so partitions never talk to
 * each other.
 *
 * A half that arrives looks for its peer in its own window (exact conversation,
 * then the Service-NAT bridge). Found: both are emitted MATCHED. Otherwise it
 * waits until its deadline: the end of its window plus `skewWindows` windows
 * plus the grace period, in event time (the partition's watermark: the latest
 * window end seen). At the deadline it looks once more, in the neighbouring
 * windows, nearest first; found: both MATCHED, else it leaves as PEER_MISSING.
 * Neighbours are tried only at the deadline so that a half never takes a
 * neighbour whose exact peer is still on its way.
 *
 * A half of the other end that already left MATCHED in a neighbouring window
 * is the last resort before PEER_MISSING: its context is borrowed, and it is
 * not paired again. The two ends of a conversation do not always report the
 * same windows: a response sent just before a window boundary and read just
 * after it gives the client a half in the next window that the server lacks.
 * Those halves are kept as context (see HeldHalves) until no half that
 * could borrow them is left: a window's deadline plus the tolerance.
 */
import { parseIpv4, type Match } from '@flowmesh/lib';
import { isInCluster, isLoopback, isService, type AddressScope, type Scope } from './address-scope.js';
import { conversationKey, serverKey, type ConversationKey, type ServerKey } from './conversation-key.js';
import { Emission } from './emission.js';
import { HeldHalves, type HeldCounts } from './held-halves.js';
import type { JoinRecord } from './join-half.js';
import type { JoinSettings } from './join-settings.js';
import type { JoinStats } from './join-stats.js';
import { hold, holdAsContext, windowLength, type PendingHalf } from './pending-half.js';

export class PartitionJoiner {
  /** Halves waiting for a peer, and halves that left MATCHED kept as context for a neighbour whose own peer paired with another half. */
  private readonly held: HeldHalves;
  /** Latest window end seen (event time); windows ending at or before `watermark - grace` are closed. */
  private eventWatermark = Number.NEGATIVE_INFINITY;
  private lastInputAt: number;
  /** Offsets below it were already handled by this member. */
  private nextOffset = -1;

  constructor(
    readonly partition: number,
    private readonly settings: JoinSettings,
    private readonly scope: AddressScope,
    private readonly stats: JoinStats,
    nowMs: number,
    /** The member's held-half counts, which this partition keeps in step. */
    totals: HeldCounts,
  ) {
    this.lastInputAt = nowMs;
    // Every half that could borrow a context half has left once the watermark passes this.
    this.held = new HeldHalves((entry) => entry.deadline + settings.skewWindows * windowLength(entry), totals);
  }

  get size(): number {
    return this.held.waiting;
  }

  /** Halves that left MATCHED and are kept as context to borrow. */
  get contextSize(): number {
    return this.held.context;
  }

  get watermark(): number {
    return this.eventWatermark;
  }

  /** Joins one half; emissions it causes (its own, its peer's, released halves) go to `out`. */
  accept(record: JoinRecord, nowMs: number, out: Emission[]): void {
    const offset = Number(record.offset);
    if (offset < this.nextOffset) {
      // Re-delivered to the member that handled it (the consumer re-seeked): already emitted or still pending.
      this.stats.redelivered++;
      return;
    }
    this.nextOffset = offset + 1;
    this.lastInputAt = nowMs;
    this.stats.halvesIn++;

    const half = record.value;
    const clientIpv4 = parseIpv4(half.client_ip);
    const serverIpv4 = parseIpv4(half.server_ip);
    const client = this.scope.of(half.client_ip, clientIpv4);
    const server = this.scope.of(half.server_ip, serverIpv4);
    const entry = this.describe(record, conversationKey(half, clientIpv4, isLoopback(client)), serverKey(half, serverIpv4), server);
    if (!isInCluster(half.vantage === 'SRC' ? server : client)) {
      this.emit(entry, 'EXTERNAL', null, out);
    } else {
      if (half.window_end + this.settings.graceMs <= this.eventWatermark) this.stats.late++;
      const peer = this.held.findPeer(entry, half.window_start, 'waiting');
      // A half already past its deadline is released by releaseDue below, like any other.
      if (peer) this.emitPair(entry, peer, out);
      else {
        hold(entry);
        this.held.wait(entry);
      }
    }
    this.advanceWatermark(half.window_end, nowMs);
    this.releaseDue(out);
  }

  /** Releases everything when the partition has had no input for the idle timeout. */
  releaseIfIdle(nowMs: number, out: Emission[]): void {
    if (this.held.waiting === 0 || nowMs - this.lastInputAt < this.settings.idleTimeoutMs) return;
    this.stats.idleReleased += this.held.waiting;
    this.releaseAll(out);
  }

  /** Releases every pending half, deadline order, still pairing neighbours among them. */
  releaseAll(out: Emission[]): void {
    for (let entry = this.held.firstWaiting(); entry; entry = this.held.firstWaiting()) this.release(entry, out);
  }

  /** Lets go of the context half to be forgotten first (to stay within the cap); false when none is kept. */
  forgetOldestContext(): boolean {
    return this.held.forgetOldest();
  }

  /** Emits the half closest to its deadline as PEER_MISSING to make room; false when nothing is pending. */
  evictOne(out: Emission[]): boolean {
    const entry = this.held.firstWaiting();
    if (!entry) return false;
    this.held.drop(entry);
    this.stats.evicted++;
    this.emit(entry, 'PEER_MISSING', null, out);
    return true;
  }

  private describe(record: JoinRecord, conversation: ConversationKey, server: ServerKey, serverScope: Scope): PendingHalf {
    const half = record.value;
    const fromClient = half.vantage === 'SRC';
    const serverIsService = isService(serverScope);
    return {
      partition: record.partition,
      offset: record.offset,
      fromClient,
      windowStart: half.window_start,
      windowEnd: half.window_end,
      server,
      key: record.key,
      conversation,
      // Client halves dialling a VIP and server halves naming a pod may meet across the DNAT.
      bridgeable: fromClient ? serverIsService : !serverIsService,
      state: 'new',
      deadline: half.window_end + this.settings.skewWindows * (half.window_end - half.window_start) + this.settings.graceMs,
      body: record.body,
    };
  }

  private advanceWatermark(windowEnd: number, nowMs: number): void {
    if (windowEnd > nowMs + this.settings.maxClockAheadMs) {
      // One node with a clock far ahead must not close every other node's windows.
      this.stats.clockAhead++;
      return;
    }
    if (windowEnd > this.eventWatermark) this.eventWatermark = windowEnd;
  }

  private releaseDue(out: Emission[]): void {
    const watermark = this.eventWatermark;
    for (let entry = this.held.firstDue(watermark); entry; entry = this.held.firstDue(watermark)) this.release(entry, out);
    this.held.forgetUpTo(watermark);
  }

  /**
   * Last chance for a waiting half: a waiting peer in a neighbouring window,
   * nearest first, the older of two equally near first; else the context of
   * one that left MATCHED; else PEER_MISSING. It leaves the waiting halves.
   */
  private release(entry: PendingHalf, out: Emission[]): void {
    const peer = this.findNeighbour(entry, 'waiting');
    if (peer) {
      this.emitPair(entry, peer, out);
      return;
    }
    const borrowed = this.findNeighbour(entry, 'context');
    if (borrowed) {
      this.stats.borrowed++;
      this.emit(entry, 'MATCHED', borrowed, out);
      this.remember(entry);
    } else {
      this.held.drop(entry);
      this.emit(entry, 'PEER_MISSING', null, out);
    }
  }

  /** A half of the other end in a neighbouring window within the tolerance, nearest first, the older of two equally near first. */
  private findNeighbour(entry: PendingHalf, state: 'waiting' | 'context'): PendingHalf | undefined {
    let peer: PendingHalf | undefined;
    const window = entry.windowStart;
    const length = windowLength(entry);
    for (let k = 1; k <= this.settings.skewWindows && !peer; k++) {
      peer = this.held.findPeer(entry, window - k * length, state) ?? this.held.findPeer(entry, window + k * length, state);
    }
    return peer;
  }

  /** Keeps a half that left MATCHED for neighbours to borrow (JoinCore caps them member-wide, like the pending halves). */
  private remember(entry: PendingHalf): void {
    if (this.settings.skewWindows === 0) {
      this.held.drop(entry);
      return;
    }
    holdAsContext(entry);
    this.held.keepAsContext(entry);
  }

  /** `peer` is waiting; `entry` just arrived or is being released. */
  private emitPair(entry: PendingHalf, peer: PendingHalf, out: Emission[]): void {
    this.emit(entry, 'MATCHED', peer, out);
    this.emit(peer, 'MATCHED', entry, out);
    this.remember(entry);
    this.remember(peer);
  }

  private emit(entry: PendingHalf, match: Match, peer: PendingHalf | null, out: Emission[]): void {
    this.stats.out[match]++;
    out.push(new Emission(entry, match, peer));
  }
}
