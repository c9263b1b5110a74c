/** Flow halves of a simulated cluster (marked synthetic), for demos and benchmarks without eBPF. */
import type { FlowHalf } from '@flowmesh/lib';
import type { AgentMetrics } from '../metrics.js';
import type { Redactor } from '../process/redact.js';
import { SyntheticCluster, type SyntheticClusterOptions } from '../synthetic/generator.js';
import type { ExportWindow } from '../window.js';
import type { HalfSource } from './half-source.js';

export class SyntheticSource implements HalfSource {
  readonly kind = 'synthetic' as const;
  private readonly cluster: SyntheticCluster;

  constructor(
    options: SyntheticClusterOptions,
    private readonly redact: Redactor,
    private readonly metrics: AgentMetrics,
  ) {
    this.cluster = new SyntheticCluster(options);
  }

  async collect(window: ExportWindow): Promise<FlowHalf[]> {
    const halves = this.cluster.halvesForWindow(window).map((half) => ({ ...half, cmdline: this.redact(half.cmdline) }));
    this.metrics.conversationsTracked.set({ protocol: 'all' }, this.cluster.activeConversations);
    return halves;
  }

  health(): true {
    return true;
  }

  async stop(): Promise<void> {}
}
