/**
 * The aggregated traffic: one entry per pair (label set) with its counters and
 * latency histogram, a cap on the number of pairs (the rest fold into one
 * "other" pair so totals stay exact), expiry of idle pairs, and the latest
 * GeoIP details per external peer.
 */
import type { MetricsFlow } from './metrics-flow.js';
import { clientLatencySeconds, directedVolume } from './counting.js';
import type { FlowReading } from './flow-reader.js';
import type { ExternalPeer, PairLabeller } from './pair-labels.js';

/** Upper bounds of the latency buckets, in seconds: 50 µs on a node to 5 s across the world. */
export const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface PairTraffic {
  readonly labels: readonly string[];
  requestBytes: number;
  responseBytes: number;
  requestPackets: number;
  responsePackets: number;
  crossZone: boolean;
  opened: number;
  closed: number;
  retransmits: number;
  /** Per-bucket counts (not cumulative), one more than LATENCY_BUCKETS for +Inf. */
  readonly latencyBuckets: Float64Array;
  latencySum: number;
  latencyCount: number;
  updatedMs: number;
}

export interface ExternalPeerInfo extends ExternalPeer {
  updatedMs: number;
}

export interface TrafficStoreEvents {
  overflowed?(): void;
  expired?(pairs: number): void;
}

const SEPARATOR = '\u0001';

/** What the counters read of a record, decoded or read from its bytes. */
type CountedNumbers = Pick<MetricsFlow, 'vantage' | 'out_bytes' | 'in_bytes' | 'out_pkts' | 'in_pkts' | 'latency_ms' | 'retransmits' | 'opened' | 'closed'>;

/**
 * Keys of label bytes held at most this many times the cap on pairs: many
 * keys can share a pair (pods of one workload), and pods come and go.
 */
const KEYS_PER_PAIR = 4;

export class TrafficStore {
  private readonly pairs = new Map<string, PairTraffic>();
  /** The same pairs by the bytes of their label fields (FlowReading.pairKey), so a known pair costs no label strings. */
  private readonly byKey = new Map<string, PairTraffic>();
  private readonly peers = new Map<string, ExternalPeerInfo>();
  private readonly otherLabels: readonly string[];

  constructor(
    private readonly labeller: PairLabeller,
    private readonly maxPairs: number,
    private readonly events: TrafficStoreEvents = {},
  ) {
    this.otherLabels = labeller.names.map(() => 'other');
  }

  get size(): number {
    return this.pairs.size;
  }

  /** Adds a record that the counting rule counts (see counting.ts). */
  add(flow: MetricsFlow, nowMs: number): void {
    this.count(this.pairFor(this.labeller.values(flow), nowMs), flow, nowMs);
    if (flow.src_object_type === 'external' || flow.dst_object_type === 'external') this.notePeers(flow, nowMs);
  }

  /**
   * Adds a counted record read from its bytes: its pair found by its key,
   * labels built (from the decoded record) only for a key not seen before.
   */
  addReading(reading: FlowReading, nowMs: number): void {
    let pair = this.byKey.get(reading.pairKey);
    let flow: MetricsFlow | undefined;
    if (pair === undefined) {
      flow = reading.reader.decode(reading.message);
      pair = this.pairFor(this.labeller.values(flow), nowMs);
      if (this.byKey.size >= KEYS_PER_PAIR * this.maxPairs) this.byKey.clear();
      this.byKey.set(reading.pairKey, pair);
    } else if (pair.labels === this.otherLabels) this.events.overflowed?.();
    this.count(pair, reading, nowMs);
    if (reading.external) this.notePeers(flow ?? reading.reader.decode(reading.message), nowMs);
  }

  private count(pair: PairTraffic, flow: CountedNumbers, nowMs: number): void {
    const volume = directedVolume(flow);
    pair.requestBytes += volume.requestBytes;
    pair.responseBytes += volume.responseBytes;
    pair.requestPackets += volume.requestPackets;
    pair.responsePackets += volume.responsePackets;
    if (flow.opened) pair.opened++;
    if (flow.closed) pair.closed++;
    if (flow.retransmits !== null) pair.retransmits += flow.retransmits;
    const latency = clientLatencySeconds(flow);
    if (latency !== null) {
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS.length && latency > LATENCY_BUCKETS[bucket]!) bucket++;
      pair.latencyBuckets[bucket]!++;
      pair.latencySum += latency;
      pair.latencyCount++;
    }
    pair.updatedMs = nowMs;
  }

  /** Removes pairs and peers not updated since `olderThanMs`; returns how many pairs went. */
  expire(olderThanMs: number): number {
    let removed = 0;
    for (const [key, pair] of this.pairs) {
      if (pair.updatedMs < olderThanMs) {
        this.pairs.delete(key);
        removed++;
      }
    }
    for (const [name, peer] of this.peers) if (peer.updatedMs < olderThanMs) this.peers.delete(name);
    if (removed > 0) {
      // Keys may lead to removed pairs, or to "other" where there is room again: found anew from their next record.
      this.byKey.clear();
      this.events.expired?.(removed);
    }
    return removed;
  }

  allPairs(): IterableIterator<PairTraffic> {
    return this.pairs.values();
  }

  allPeers(): IterableIterator<ExternalPeerInfo> {
    return this.peers.values();
  }

  private pairFor(labels: string[], nowMs: number): PairTraffic {
    const key = labels.join(SEPARATOR);
    const known = this.pairs.get(key);
    if (known) return known;
    // The "other" pair has the last slot, so the pairs held never exceed the cap.
    const real = this.pairs.size - (this.pairs.has(OTHER_KEY) ? 1 : 0);
    if (real < this.maxPairs - 1) return this.newPair(key, labels, nowMs);
    this.events.overflowed?.();
    return this.pairs.get(OTHER_KEY) ?? this.newPair(OTHER_KEY, this.otherLabels, nowMs);
  }

  private newPair(key: string, labels: readonly string[], nowMs: number): PairTraffic {
    const pair: PairTraffic = {
      labels,
      requestBytes: 0,
      responseBytes: 0,
      requestPackets: 0,
      responsePackets: 0,
      crossZone: isCrossZone(labels, this.labeller),
      opened: 0,
      closed: 0,
      retransmits: 0,
      latencyBuckets: new Float64Array(LATENCY_BUCKETS.length + 1),
      latencySum: 0,
      latencyCount: 0,
      updatedMs: nowMs,
    };
    this.pairs.set(key, pair);
    return pair;
  }

  private notePeers(flow: MetricsFlow, nowMs: number): void {
    for (const peer of this.labeller.externalPeers(flow)) {
      // Bounded like the pairs: a peer grouping beyond the cap has its traffic in "other" anyway.
      if (!this.peers.has(peer.name) && this.peers.size >= this.maxPairs) continue;
      this.peers.set(peer.name, { ...peer, updatedMs: nowMs });
    }
  }
}

/** A key no real pair can have (real label values never hold the separator alone). */
const OTHER_KEY = SEPARATOR;

function isCrossZone(labels: readonly string[], labeller: PairLabeller): boolean {
  const src = labels[labeller.names.indexOf('src_zone')];
  const dst = labels[labeller.names.indexOf('dst_zone')];
  return src !== undefined && dst !== undefined && src !== '' && dst !== '' && src !== 'other' && src !== dst;
}
