/** Where an agent's flow halves come from: the eBPF probe, or the synthetic cluster. */
import type { FlowHalf } from '@flowmesh/lib';
import type { ExportWindow } from '../window.js';

export interface HalfSource {
  readonly kind: 'ebpf' | 'synthetic';
  /** The halves of the window that just ended. Called once per window, in order. */
  collect(window: ExportWindow): Promise<FlowHalf[]>;
  /** Liveness: true, or why not. */
  health(): true | string;
  stop(): Promise<void>;
}
