/**
 * The bounded in-memory window of recent enriched flows the ui consumes
 * itself: the newest `capacity` records no older than `maxAgeMs`, asked for
 * by edge (both ends, or an end and the Service between) or by end.
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import type { PairLabeller } from '@flowmesh/flow-metrics';
import { windowEntry, type FlowRow, type WindowEntry } from './flow-row.js';
import type { End } from '../graph/endpoints.js';

export interface NodeDetail {
  id: string;
  labels: Record<string, string>;
  pods: string[];
  processes: string[];
  peers: { id: string; direction: 'out' | 'in'; flows: number }[];
  flows: number;
}

/** Whether an end of a record is the graph node `id` (a collapsed namespace's node stands for its workloads and Services). */
function isNode(end: End, id: string): boolean {
  return end.id === id || ((end.kind === 'workload' || end.kind === 'service') && `namespace:${end.namespace}` === id);
}

export class RecentFlows {
  private readonly entries: (WindowEntry | undefined)[];
  private head = 0;
  private count = 0;
  private newest = 0;

  constructor(
    private readonly labeller: PairLabeller,
    private readonly capacity: number,
    private readonly maxAgeMs: number,
  ) {
    this.entries = new Array<WindowEntry | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(flow: EnrichedFlow): void {
    const entry = windowEntry(flow, this.labeller);
    this.newest = Math.max(this.newest, entry.row.time);
    const slot = (this.head + this.count) % this.capacity;
    this.entries[slot] = entry;
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
    this.expire();
  }

  /** Drops from the oldest end what is older than maxAgeMs before the newest record. */
  private expire(): void {
    while (this.count > 0 && this.entries[this.head]!.row.time < this.newest - this.maxAgeMs) {
      this.entries[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
  }

  /** Newest first. */
  private *newestFirst(): Generator<WindowEntry> {
    for (let i = this.count - 1; i >= 0; i--) yield this.entries[(this.head + i) % this.capacity]!;
  }

  /**
   * The flows of the edge from → to, newest first. An edge may run through a
   * Service: client → Service (flows that dialled it) and Service → backend.
   */
  edge(from: string, to: string, limit: number, options: { hideSynthetic?: boolean } = {}): FlowRow[] {
    const rows: FlowRow[] = [];
    for (const entry of this.newestFirst()) {
      if (options.hideSynthetic && entry.row.synthetic) continue;
      const { src, dst, service } = entry.pair;
      const direct = service === null && isNode(src, from) && isNode(dst, to);
      const toService = service !== null && isNode(src, from) && isNode(service, to);
      const fromService = service !== null && isNode(service, from) && isNode(dst, to);
      if (direct || toService || fromService) {
        rows.push(entry.row);
        if (rows.length >= limit) break;
      }
    }
    return rows;
  }

  node(id: string): NodeDetail {
    const labels: Record<string, string> = {};
    const pods = new Set<string>();
    const processes = new Set<string>();
    const peers = new Map<string, { id: string; direction: 'out' | 'in'; flows: number }>();
    let flows = 0;
    const peer = (peerId: string, direction: 'out' | 'in') => {
      const key = `${direction}|${peerId}`;
      const known = peers.get(key) ?? { id: peerId, direction, flows: 0 };
      known.flows++;
      peers.set(key, known);
    };
    for (const entry of this.newestFirst()) {
      const { src, dst, service } = entry.pair;
      const asSrc = isNode(src, id);
      const asDst = isNode(dst, id) || (service !== null && isNode(service, id));
      if (!asSrc && !asDst) continue;
      flows++;
      const mine = asSrc ? entry.row.src : entry.row.dst;
      if (mine.pod) pods.add(`${mine.namespace}/${mine.pod}`);
      if (mine.processName) processes.add(mine.processName);
      Object.assign(labels, asSrc ? entry.labels.src : entry.labels.dst);
      if (asSrc) peer(service?.id ?? dst.id, 'out');
      if (asDst) peer(src.id, 'in');
    }
    return { id, labels, pods: [...pods].sort(), processes: [...processes].sort(), peers: [...peers.values()].sort((a, b) => b.flows - a.flows), flows };
  }
}
