/**
 * The sink's processor: encodes each batch once, hands the records to every
 * collector, and completes their input offsets only when all collectors have
 * them out. Batches are not held up by a collector that is away until
 * `maxPendingRecords` wait for it; then consumption waits too.
 */
import type { EnrichedFlow, InputRecord, Logger, OutputSink, StreamProcessor } from '@flowmesh/lib';
import type { Collector } from './collectors/collector.js';
import type { RecordWriter } from './ipfix/record-writer.js';
import type { IpfixMetrics } from './metrics.js';

export interface ExportProcessorOptions {
  writer: RecordWriter;
  collectors: readonly Collector[];
  metrics: IpfixMetrics;
  logger: Logger;
  maxPendingRecords: number;
  /** Hears every exported batch's size (benchmarks count with it). */
  onExported?(records: number): void;
}

export class ExportProcessor implements StreamProcessor<EnrichedFlow> {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: ExportProcessorOptions) {}

  async handleBatch(records: readonly InputRecord<EnrichedFlow>[], sink: OutputSink): Promise<void> {
    const { writer, collectors, metrics } = this.options;
    // Encode everything first: a record that cannot be encoded throws before anything is sent,
    // so the loop's record-by-record retry dead-letters just that one.
    const encoded = records.map((record) => writer.encode(record.value));
    const refs = records.map(({ partition, offset }) => ({ partition, offset }));
    const exported = Promise.all(collectors.map((collector) => collector.send(encoded))).then(async () => {
      metrics.recordsExported.inc(encoded.length);
      this.options.onExported?.(encoded.length);
      await sink.send([], refs);
    });
    const tracked = exported.catch((error: Error) => this.options.logger.error({ err: error.message }, 'IPFIX export failed; the records stay uncommitted'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    while (this.pending() > this.options.maxPendingRecords && this.inFlight.size) await Promise.race(this.inFlight);
  }

  /** Shutdown: everything handed to the collectors goes out before the final commit. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  private pending(): number {
    return Math.max(0, ...this.options.collectors.map((c) => c.pendingRecords()));
  }
}
