/** What the join has done so far, as plain monotonic counters (metrics read them on scrape). */
import type { Match } from '@flowmesh/lib';

export interface JoinStats {
  halvesIn: number;
  out: Record<Match, number>;
  /** Halves that arrived after their own window had closed (watermark past window end + grace). */
  late: number;
  /** Pending halves emitted early as PEER_MISSING because the pending cap was reached. */
  evicted: number;
  /** Pending halves released because their partition went idle. */
  idleReleased: number;
  /** Halves delivered again to this member at offsets it had already handled (skipped). */
  redelivered: number;
  /** Halves whose window ends too far ahead of the joiner's clock to move the watermark. */
  clockAhead: number;
  /** Pending halves dropped, unemitted, when their partition was revoked (the new owner re-reads them). */
  handedOver: number;
  /** Halves MATCHED with the context of a neighbouring half of the other end that had already been paired. */
  borrowed: number;
}

export function newJoinStats(): JoinStats {
  return {
    halvesIn: 0,
    out: { MATCHED: 0, PEER_MISSING: 0, EXTERNAL: 0 },
    late: 0,
    evicted: 0,
    idleReleased: 0,
    redelivered: 0,
    clockAhead: 0,
    handedOver: 0,
    borrowed: 0,
  };
}
