/**
 * Turns the probe's cumulative per-flow counters into per-window deltas, and
 * tells when a flow opened or closed within the window. A flow is forgotten
 * after its final record (CLOSED/EVICTED) or when a drain no longer lists it.
 */
import { Flag } from './layout.js';
import { flowIdentity, type ProbeFlow } from './records.js';

interface Counters {
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
  retransmits: number;
}

export interface FlowDelta extends Counters {
  /** The latest record: addresses, process, RTT. */
  flow: ProbeFlow;
  opened: boolean;
  closed: boolean;
}

const COUNTER_KEYS = ['bytesSent', 'bytesReceived', 'packetsSent', 'packetsReceived', 'retransmits'] as const;
const ZERO: Counters = { bytesSent: 0, bytesReceived: 0, packetsSent: 0, packetsReceived: 0, retransmits: 0 };

function countersOf(flow: ProbeFlow): Counters {
  const { bytesSent, bytesReceived, packetsSent, packetsReceived, retransmits } = flow;
  return { bytesSent, bytesReceived, packetsSent, packetsReceived, retransmits };
}

function delta(current: Counters, previous: Counters): Counters {
  const out = { ...ZERO };
  for (const key of COUNTER_KEYS) {
    const d = current[key] - previous[key];
    out[key] = d >= 0 ? d : current[key]; // counters only shrink if the entry was recreated
  }
  return out;
}

export class FlowDeltaTracker {
  private previous = new Map<string, Counters>();

  /** Flows known from earlier drains. */
  get tracked(): number {
    return this.previous.size;
  }

  /** Deltas of one drain; flows without any activity in the window are left out. */
  apply(flows: readonly ProbeFlow[]): FlowDelta[] {
    const next = new Map<string, Counters>();
    const out: FlowDelta[] = [];
    for (const flow of flows) {
      const id = flowIdentity(flow);
      const before = this.previous.get(id);
      const final = (flow.flags & (Flag.CLOSED | Flag.EVICTED)) !== 0;
      const counters = delta(flow, before ?? ZERO);
      const opened = before === undefined && (flow.protocol === 'udp' || (flow.flags & (Flag.ACTIVE_OPEN | Flag.PASSIVE_OPEN)) !== 0);
      const closed = flow.protocol === 'tcp' && final;
      if (!final) next.set(id, countersOf(flow));
      const active = opened || closed || COUNTER_KEYS.some((key) => counters[key] > 0);
      if (active) out.push({ flow, ...counters, opened, closed });
    }
    this.previous = next;
    return out;
  }

  /** After a loader restart every kernel entry is new. */
  reset(): void {
    this.previous.clear();
  }
}
