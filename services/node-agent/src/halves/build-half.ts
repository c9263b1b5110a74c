/** One FlowHalf from one flow's window delta, its roles and its process context. */
import { NO_HALF_FACTS, PROTO_TCP, PROTO_UDP, flowKey, type FlowHalf } from '@flowmesh/lib';
import type { FlowDelta } from '../probe/flow-deltas.js';
import type { ProcessContext } from '../process/process-resolver.js';
import type { ExportWindow } from '../window.js';
import { assignRoles } from './roles.js';

export interface HalfContext {
  node: string;
  window: ExportWindow;
  process: ProcessContext;
  /** Our address when the socket is bound to the wildcard and has only received. */
  localIp: string;
}

export function buildHalf(delta: FlowDelta, context: HalfContext): FlowHalf {
  const { flow } = delta;
  const tcp = flow.protocol === 'tcp';
  const roles = assignRoles({
    protocol: flow.protocol,
    flags: flow.flags,
    local: { ip: context.localIp, port: flow.localPort },
    remote: { ip: flow.remoteIp, port: flow.remotePort },
  });
  return {
    ...NO_HALF_FACTS,
    node: context.node,
    vantage: roles.vantage,
    protocol: tcp ? PROTO_TCP : PROTO_UDP,
    client_ip: roles.client.ip,
    client_port: roles.client.port,
    server_ip: roles.server.ip,
    server_port: roles.server.port,
    window_start: context.window.start,
    window_end: context.window.end,
    bytes_sent: delta.bytesSent,
    bytes_received: delta.bytesReceived,
    packets_sent: delta.packetsSent,
    packets_received: delta.packetsReceived,
    // 0 = no RTT sample yet (e.g. a connection refused)
    srtt_us: tcp && flow.srttUs > 0 ? flow.srttUs : null,
    retransmits: tcp ? delta.retransmits : null,
    opened: delta.opened,
    closed: delta.closed,
    pid: context.process.pid,
    process_name: context.process.name,
    cmdline: context.process.cmdline,
    container_id: context.process.containerId,
    synthetic: false,
  };
}

/** The Kafka key of a half: its client endpoint (both halves share it). */
export function halfKey(half: FlowHalf): string {
  return flowKey(half.protocol, half.client_ip, half.client_port);
}
