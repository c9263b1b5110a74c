/**
 * Aggregates enriched flows by conversation between workloads, per vantage
 * point, for the demo's live table: bytes and packets each way and the
 * latest smoothed RTT.
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import { renderColumns } from './screen.js';

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
  /** Process names at the client and server end (the peer's comes from the joined half). */
  srcProcess: string;
  dstProcess: string;
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
      srcProcess: flow.src_process_name ?? '',
      dstProcess: flow.dst_process_name ?? '',
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

/** OUT and IN are from the reporter's side, so they swap between a conversation's SRC and DST rows. */
export const TABLE_LEGEND = 'OUT/IN: bytes sent/received by the reporting end; VANTAGE SRC = reported at the client, DST = at the server';

const HEADER = ['SOURCE', 'SRC PROC', 'DESTINATION', 'DST PROC', 'SERVICE', 'PROTO', 'VANTAGE', 'MATCH', 'OUT', 'IN', 'PKTS', 'RTT', 'REPORTER'] as const;
const column = (name: (typeof HEADER)[number]) => HEADER.indexOf(name);

/** The table as lines no wider than `width`: long names are cut first, then the least telling columns left out. */
export function renderTable(rows: FlowRow[], width = 200): string[] {
  const body = rows.map((r) => [
    r.source,
    r.srcProcess || '-',
    r.destination,
    r.dstProcess || '-',
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
  return renderColumns(HEADER, body, width, {
    shrinkable: [column('SOURCE'), column('DESTINATION'), column('SERVICE'), column('SRC PROC'), column('DST PROC'), column('REPORTER')],
    dropOrder: [column('REPORTER'), column('PKTS'), column('SERVICE'), column('MATCH'), column('RTT')],
  });
}
