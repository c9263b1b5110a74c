/**
 * The joiner's metrics, declared once as data. The join keeps plain counters
 * (cheap on the hot path); these mirror them into Prometheus at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Match } from '@flowmesh/lib';
import type { PartitionView } from './join-core.js';
import type { JoinStats } from './join-stats.js';
import type { RereadCounts } from './read-progress.js';

export interface JoinerMetricsSource {
  stats: JoinStats;
  rereads: RereadCounts;
  partitions(): PartitionView[];
  maxPending: number;
  now(): number;
}

const MATCHES: Match[] = ['MATCHED', 'PEER_MISSING', 'EXTERNAL'];

/** Counters mirrored from a monotonic number that lives elsewhere. */
const COUNTERS: { name: string; help: string; read: (s: JoinerMetricsSource) => number }[] = [
  { name: 'flowmesh_joiner_halves_in_total', help: 'Flow halves taken into the join (re-deliveries excluded).', read: (s) => s.stats.halvesIn },
  { name: 'flowmesh_joiner_evicted_total', help: 'Pending halves emitted early as PEER_MISSING because --max-pending was reached.', read: (s) => s.stats.evicted },
  { name: 'flowmesh_joiner_late_halves_total', help: 'Halves that arrived after their window had closed (watermark past window end + grace).', read: (s) => s.stats.late },
  { name: 'flowmesh_joiner_idle_released_total', help: 'Pending halves emitted because their partition had no input for --idle-timeout-ms.', read: (s) => s.stats.idleReleased },
  { name: 'flowmesh_joiner_redelivered_total', help: 'Records delivered again to this member at offsets it had handled, and skipped.', read: (s) => s.stats.redelivered },
  { name: 'flowmesh_joiner_clock_ahead_total', help: 'Halves whose window ends beyond --max-clock-ahead-ms of the joiner\'s clock (joined, but not moving event time).', read: (s) => s.stats.clockAhead },
  { name: 'flowmesh_joiner_borrowed_context_total', help: 'Halves MATCHED with the context of a neighbouring half of the other end that had already been paired (the ends reported different windows).', read: (s) => s.stats.borrowed },
  { name: 'flowmesh_joiner_handed_over_total', help: 'Pending halves dropped unemitted when their partition was revoked; the new owner re-reads them.', read: (s) => s.stats.handedOver },
  { name: 'flowmesh_joiner_reread_halves_total', help: 'Halves read again after a crash or rebalance, at offsets the previous owner had already read.', read: (s) => s.rereads.rereads },
  { name: 'flowmesh_joiner_duplicates_total', help: 'Records produced a second time after a crash or rebalance, as recorded with the previous owner\'s last commit.', read: (s) => s.rereads.duplicates },
  { name: 'flowmesh_joiner_withheld_total', help: 'Records not produced again because this member had produced them before their partition left it and came back.', read: (s) => s.rereads.withheld },
];

export function registerJoinerMetrics(registry: Registry, source: JoinerMetricsSource): void {
  for (const { name, help, read } of COUNTERS) {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read(source);
        if (value > seen) this.inc(value - seen);
        seen = value;
      },
    });
  }
  const seenByMatch = new Map<Match, number>();
  new Counter({
    name: 'flowmesh_joiner_records_out_total',
    help: 'Joined records emitted, by match outcome (one per input half).',
    labelNames: ['match'],
    registers: [registry],
    collect() {
      for (const match of MATCHES) {
        const value = source.stats.out[match];
        const delta = value - (seenByMatch.get(match) ?? 0);
        if (delta > 0) this.inc({ match }, delta);
        seenByMatch.set(match, value);
      }
    },
  });
  new Gauge({
    name: 'flowmesh_joiner_pending_halves',
    help: 'Halves waiting for their peer, by input partition.',
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const view of source.partitions()) this.set({ partition: String(view.partition) }, view.pending);
    },
  });
  new Gauge({
    name: 'flowmesh_joiner_context_halves',
    help: 'Halves that left MATCHED and are kept a few windows as context for neighbours to borrow, by input partition.',
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const view of source.partitions()) this.set({ partition: String(view.partition) }, view.context);
    },
  });
  new Gauge({
    name: 'flowmesh_joiner_pending_capacity',
    help: 'The --max-pending cap; evictions start when the sum of flowmesh_joiner_pending_halves reaches it.',
    registers: [registry],
    collect() {
      this.set(source.maxPending);
    },
  });
  new Gauge({
    name: 'flowmesh_joiner_window_lag_seconds',
    help: 'Wall clock minus the partition\'s event-time watermark (latest window end seen): how far behind real time the join runs.',
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      const now = source.now();
      for (const view of source.partitions()) {
        if (Number.isFinite(view.watermark)) this.set({ partition: String(view.partition) }, (now - view.watermark) / 1000);
      }
    },
  });
}
