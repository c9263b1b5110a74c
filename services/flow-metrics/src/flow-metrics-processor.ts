/**
 * The sink's processor: every record the counting rule keeps is added to the
 * traffic store, and a record's offset is complete once it is aggregated
 * (what a scrape or a remote write then reads).
 */
import type { InputRecord, OutputSink, StreamProcessor } from '@flowmesh/lib';
import { countsTraffic } from './counting.js';
import { isFlowReading, type MetricsInput } from './flow-reader.js';
import type { FlowMetricsServiceMetrics } from './service-metrics.js';
import type { TrafficStore } from './traffic-store.js';

export interface FlowMetricsProcessorOptions {
  store: TrafficStore;
  metrics: FlowMetricsServiceMetrics;
  skipSynthetic: boolean;
  seriesTtlMs: number;
  now?: () => number;
}

export class FlowMetricsProcessor implements StreamProcessor<MetricsInput> {
  private readonly now: () => number;

  constructor(private readonly options: FlowMetricsProcessorOptions) {
    this.now = options.now ?? Date.now;
  }

  async handleBatch(records: readonly InputRecord<MetricsInput>[], sink: OutputSink): Promise<void> {
    const { store, skipSynthetic } = this.options;
    const nowMs = this.now();
    let counted = 0;
    let peerHalves = 0;
    let synthetic = 0;
    for (const record of records) {
      const flow = record.value;
      if (skipSynthetic && flow.synthetic) synthetic++;
      else if (!countsTraffic(flow)) peerHalves++;
      else {
        if (isFlowReading(flow)) store.addReading(flow, nowMs);
        else store.add(flow, nowMs);
        counted++;
      }
    }
    const { records: recordsMetric } = this.options.metrics;
    if (counted) recordsMetric.inc({ result: 'counted' }, counted);
    if (peerHalves) recordsMetric.inc({ result: 'not_counted_peer_half' }, peerHalves);
    if (synthetic) recordsMetric.inc({ result: 'skipped_synthetic' }, synthetic);
    await sink.send([], records);
  }

  async onTick(): Promise<void> {
    this.options.store.expire(this.now() - this.options.seriesTtlMs);
  }
}
