/**
 * OCSF Network Activity (class_uid 4001, schema 1.1.0). OCSF counts traffic from
 * source to destination (bytes_out: source → destination). The reporting end's
 * process is the `actor`, its node the `device` (Host profile); Kubernetes
 * context without an OCSF attribute goes to `unmapped`.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { compact, directedTraffic, flowmeshExtension, reportingSide, sideOf, transportName } from './flow-view.js';

export const OCSF_VERSION = '1.1.0';
const CLASS_UID = 4001;
const CATEGORY_UID = 4;

const ACTIVITY = { open: { id: 1, name: 'Open' }, close: { id: 2, name: 'Close' }, traffic: { id: 6, name: 'Traffic' } };
const DIRECTION = { unknown: 0, inbound: 1, outbound: 2, lateral: 3 } as const;

export function toOcsf(flow: EnrichedFlow): Record<string, unknown> {
  const src = sideOf(flow, 'src');
  const dst = sideOf(flow, 'dst');
  const reporter = reportingSide(flow) === 'src' ? src : dst;
  const traffic = directedTraffic(flow);
  const activity = flow.opened ? ACTIVITY.open : flow.closed ? ACTIVITY.close : ACTIVITY.traffic;
  return compact({
    class_uid: CLASS_UID,
    class_name: 'Network Activity',
    category_uid: CATEGORY_UID,
    category_name: 'Network Activity',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: CLASS_UID * 100 + activity.id,
    type_name: `Network Activity: ${activity.name}`,
    severity_id: 1,
    severity: 'Informational',
    time: flow.window_end,
    start_time: flow.timestamp,
    end_time: flow.window_end,
    duration: flow.window_end - flow.timestamp,
    metadata: { version: OCSF_VERSION, product: { name: 'flowmesh', vendor_name: 'flowmesh' }, log_name: 'flowmesh.flows' },
    src_endpoint: endpoint(flow.src_addr, flow.src_port, src),
    dst_endpoint: endpoint(flow.dst_addr, flow.dst_port, dst),
    traffic: {
      bytes_out: traffic.toServer.bytes,
      packets_out: traffic.toServer.packets,
      bytes_in: traffic.toClient.bytes,
      packets_in: traffic.toClient.packets,
      bytes: traffic.toServer.bytes + traffic.toClient.bytes,
      packets: traffic.toServer.packets + traffic.toClient.packets,
    },
    connection_info: {
      protocol_num: flow.protocol,
      protocol_name: transportName(flow.protocol),
      protocol_ver_id: flow.src_addr.includes(':') ? 6 : 4,
      direction_id: direction(src, dst),
    },
    actor: { process: { pid: reporter.process_pid, name: reporter.process_name, cmd_line: reporter.process_cmdline } },
    device: { hostname: flow.reporter_node, type_id: 0 },
    unmapped: {
      flowmesh: { cluster_id: flow.cluster_id, ...flowmeshExtension(flow) },
    },
  });
}

function endpoint(ip: string, port: number, side: EnrichedSide): Record<string, unknown> {
  return {
    ip,
    port,
    name: side.object_name,
    hostname: side.object_type === 'node' ? side.object_name : null,
    container: side.container_id ? { uid: side.container_id, name: side.container_name, orchestrator: 'kubernetes' } : null,
    location: { country: side.geo_country, city: side.geo_city },
    autonomous_system: { number: side.asn, name: side.asn_org },
  };
}

/** Lateral inside the cluster, outbound to the outside, inbound from it. */
function direction(src: EnrichedSide, dst: EnrichedSide): number {
  const outside = (side: EnrichedSide) => side.object_type === 'external';
  const inside = (side: EnrichedSide) => side.object_type !== 'external' && side.object_type !== 'unknown';
  if (inside(src) && inside(dst)) return DIRECTION.lateral;
  if (inside(src) && outside(dst)) return DIRECTION.outbound;
  if (outside(src) && inside(dst)) return DIRECTION.inbound;
  return DIRECTION.unknown;
}
