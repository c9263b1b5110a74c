/**
 * Aggregates enriched flows by conversation between workloads, per vantage
 * point, for the demo's live table: bytes and packets each way and the
 * latest smoothed RTT.
 */
import type { EnrichedFlow } from '@flowmesh/lib';

export interface FlowRow {
  source: string;
  destination: string;
  service: string;
  protocol: string;
  vantage: string;
  match: string;
  bytesOut: number;
  bytesIn: number;
  packets: number;
  latencyMs: number | null;
  reporter: string;
  lastSeen: number;
}

function endpointName(flow: EnrichedFlow, side: 'src' | 'dst'): string {
  const workload = flow[`${side}_workload_name`];
  const namespace = flow[`${side}_workload_namespace`] ?? flow[`${side}_object_namespace`];
  if (workload) return `${namespace}/${workload}`;
  const object = flow[`${side}_object_name`];
  if (object) return `${flow[`${side}_object_type`]}:${object}`;
  return `${flow[`${side}_object_type`]}:${side === 'src' ? flow.src_addr : flow.dst_addr}`;
}

export class FlowTable {
  private readonly rows = new Map<string, FlowRow>();
  flowsSeen = 0;

  add(flow: EnrichedFlow): void {
    this.flowsSeen++;
    const row: Omit<FlowRow, 'bytesOut' | 'bytesIn' | 'packets' | 'latencyMs' | 'lastSeen'> = {
      source: endpointName(flow, 'src'),
      destination: endpointName(flow, 'dst'),
      service: flow.service_name ? `${flow.service_namespace}/${flow.service_name}` : '',
      protocol: flow.protocol === 6 ? `tcp/${flow.dst_port}` : flow.protocol === 17 ? `udp/${flow.dst_port}` : `${flow.protocol}/${flow.dst_port}`,
      vantage: flow.vantage,
      match: flow.match,
      reporter: flow.reporter_node,
    };
    const key = `${row.source}|${row.destination}|${row.protocol}|${row.vantage}`;
    const existing = this.rows.get(key);
    const updated: FlowRow = {
      ...row,
      bytesOut: (existing?.bytesOut ?? 0) + flow.out_bytes,
      bytesIn: (existing?.bytesIn ?? 0) + flow.in_bytes,
      packets: (existing?.packets ?? 0) + flow.out_pkts + flow.in_pkts,
      latencyMs: flow.latency_ms ?? existing?.latencyMs ?? null,
      lastSeen: Math.max(existing?.lastSeen ?? 0, flow.window_end),
    };
    this.rows.set(key, updated);
  }

  top(limit: number): FlowRow[] {
    return [...this.rows.values()].sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn)).slice(0, limit);
  }
}

const human = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)}M` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)}K` : `${bytes}B`);

export function renderTable(rows: FlowRow[]): string {
  const header = ['SOURCE', 'DESTINATION', 'SERVICE', 'PROTO', 'VANTAGE', 'MATCH', 'OUT', 'IN', 'PKTS', 'RTT', 'REPORTER'];
  const body = rows.map((r) => [
    r.source,
    r.destination,
    r.service || '-',
    r.protocol,
    r.vantage,
    r.match,
    human(r.bytesOut),
    human(r.bytesIn),
    String(r.packets),
    r.latencyMs === null ? '-' : `${r.latencyMs.toFixed(2)}ms`,
    r.reporter,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
