/** What the flow-metrics service reports about itself (the traffic is in traffic-metrics.ts). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TrafficStoreEvents } from './traffic-store.js';

export function flowMetricsServiceMetrics(registry: Registry, pairsHeld: () => number, maxPairs: number) {
  const registers = [registry];
  const limit = new Gauge({ name: 'flowmesh_flow_metrics_series_limit', help: 'The cap on traffic pairs (--max-pairs), the "other" pair included.', registers });
  limit.set(maxPairs);
  return {
    records: new Counter({
      name: 'flowmesh_flow_metrics_records_total',
      help: 'Records read, by what the counting rule did: counted, not_counted_peer_half (a MATCHED server half), skipped_synthetic.',
      labelNames: ['result'],
      registers,
    }),
    pairs: new Gauge({
      name: 'flowmesh_flow_metrics_series',
      help: 'Traffic pairs (label sets) currently held.',
      registers,
      collect() {
        this.set(pairsHeld());
      },
    }),
    overflow: new Counter({ name: 'flowmesh_flow_metrics_overflow_total', help: 'Records added to the "other" pair because the cap on pairs was reached.', registers }),
    expired: new Counter({ name: 'flowmesh_flow_metrics_expired_total', help: 'Pairs removed after --series-ttl-ms without an update.', registers }),
  };
}

export type FlowMetricsServiceMetrics = ReturnType<typeof flowMetricsServiceMetrics>;

export function storeEventsFor(metrics: FlowMetricsServiceMetrics): TrafficStoreEvents {
  return {
    overflowed: () => metrics.overflow.inc(),
    expired: (pairs) => metrics.expired.inc(pairs),
  };
}
