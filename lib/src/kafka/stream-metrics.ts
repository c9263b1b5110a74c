/** Metrics of the shared consumer loop, declared once as data, labelled by stage. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function streamMetrics(registry: Registry) {
  return {
    recordsIn: new Counter({ name: 'flowmesh_stream_records_in_total', help: 'Records consumed from the input topic.', labelNames: ['stage'], registers: [registry] }),
    recordsOut: new Counter({ name: 'flowmesh_stream_records_out_total', help: 'Records produced to output topics (excluding the DLQ).', labelNames: ['stage'], registers: [registry] }),
    deadLetters: new Counter({ name: 'flowmesh_stream_dead_letters_total', help: 'Records sent to the dead-letter topic, by reason.', labelNames: ['stage', 'reason'], registers: [registry] }),
    batchSeconds: new Histogram({ name: 'flowmesh_stream_batch_seconds', help: 'Time to process one consumed batch (decode, process, produce).', labelNames: ['stage'], buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    commits: new Counter({ name: 'flowmesh_stream_commits_total', help: 'Offset commits, by outcome.', labelNames: ['stage', 'outcome'], registers: [registry] }),
    lag: new Gauge({ name: 'flowmesh_stream_consumer_lag', help: 'Records between the last consumed offset and the partition end, as of the last batch.', labelNames: ['stage', 'partition'], registers: [registry] }),
    uncommitted: new Gauge({ name: 'flowmesh_stream_uncommitted_records', help: 'Consumed records whose offsets cannot be committed yet (held by the stage or in flight).', labelNames: ['stage'], registers: [registry] }),
    rebalances: new Counter({ name: 'flowmesh_stream_rebalances_total', help: 'Consumer group joins (assignments received).', labelNames: ['stage'], registers: [registry] }),
  };
}
export type StreamMetrics = ReturnType<typeof streamMetrics>;
