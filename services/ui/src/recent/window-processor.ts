/** The ui's sink processor: every decoded record goes into the window, and is then done (nothing to flush). */
import type { EnrichedFlow, InputRecord, OutputSink, StreamProcessor } from '@flowmesh/lib';
import type { RecentFlows } from './recent-flows.js';

export class WindowProcessor implements StreamProcessor<EnrichedFlow> {
  constructor(private readonly recent: RecentFlows) {}

  async handleBatch(records: readonly InputRecord<EnrichedFlow>[], sink: OutputSink): Promise<void> {
    for (const record of records) this.recent.add(record.value);
    await sink.send([], records);
  }
}
