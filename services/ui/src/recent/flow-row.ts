/** What the edge detail lists of one enriched flow record: both ends' process, container and pod, volume each way. */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { endOfSide, serviceOfFlow, side, type End } from '../graph/endpoints.js';

export interface EndDetail {
  addr: string;
  port: number;
  pod: string | null;
  namespace: string | null;
  workload: string | null;
  container: string | null;
  containerId: string | null;
  node: string | null;
  processName: string | null;
  pid: number | null;
  cmdline: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
}

export interface FlowRow {
  /** Window end, ms since the epoch. */
  time: number;
  vantage: EnrichedFlow['vantage'];
  match: EnrichedFlow['match'];
  protocol: 'tcp' | 'udp' | string;
  service: string | null;
  /** Client → server and server → client, whichever end reported. */
  requestBytes: number;
  responseBytes: number;
  packets: number;
  latencyMs: number | null;
  retransmits: number | null;
  synthetic: boolean;
  src: EndDetail;
  dst: EndDetail;
}

/** A row with the ends it belongs to, as the window keeps it. */
export interface WindowEntry {
  row: FlowRow;
  src: End;
  dst: End;
  service: End | null;
  labels: { src: Record<string, string>; dst: Record<string, string> };
}

function endDetail(s: EnrichedSide, addr: string, port: number): EndDetail {
  const isPod = s.object_type === 'pod';
  return {
    addr,
    port,
    pod: isPod ? s.object_name : null,
    namespace: s.object_namespace,
    workload: s.workload_name,
    container: s.container_name,
    containerId: s.container_id,
    node: s.node,
    processName: s.process_name,
    pid: s.process_pid,
    cmdline: s.process_cmdline,
    country: s.geo_country,
    asn: s.asn,
    org: s.asn_org,
  };
}

export function protocolName(protocol: number): string {
  return protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : String(protocol);
}

export function windowEntry(flow: EnrichedFlow): WindowEntry {
  const src = side(flow, 'src');
  const dst = side(flow, 'dst');
  // out_* is what the reporting end sent: the client for vantage SRC.
  const fromClient = flow.vantage === 'SRC';
  const row: FlowRow = {
    time: flow.window_end,
    vantage: flow.vantage,
    match: flow.match,
    protocol: protocolName(flow.protocol),
    service: flow.service_name ? `${flow.service_namespace ?? ''}/${flow.service_name}` : null,
    requestBytes: fromClient ? flow.out_bytes : flow.in_bytes,
    responseBytes: fromClient ? flow.in_bytes : flow.out_bytes,
    packets: flow.out_pkts + flow.in_pkts,
    latencyMs: flow.latency_ms,
    retransmits: flow.retransmits,
    synthetic: flow.synthetic,
    src: endDetail(src, flow.src_addr, flow.src_port),
    dst: endDetail(dst, flow.dst_addr, flow.dst_port),
  };
  return { row, src: endOfSide(src), dst: endOfSide(dst), service: serviceOfFlow(flow), labels: { src: src.labels, dst: dst.labels } };
}
