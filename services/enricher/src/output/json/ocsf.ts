/**
 * OCSF Network Activity (class_uid 4001), schema 1.4.0: the first version whose
 * `container` carries `tags`, where the pod's Kubernetes labels go (1.2.0 added
 * `autonomous_system`). OCSF counts traffic from source to destination
 * (bytes_out: source → destination). `actor` is the end that opened the
 * connection, the client, whichever end reported; the reporting node is the
 * `device` (Host profile); pods' containers use the Container profile.
 * Kubernetes context without an OCSF attribute goes to `unmapped.flowmesh`.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { ocsfFacts, ocsfUnmapped } from './flow-facts.js';
import { compact, directedTraffic, flowCommunityId, flowmeshFields, ipVersion, sideOf, transportName } from './flow-view.js';
import { labelPairs } from './labels.js';
import { recordId } from './record-id.js';

export const OCSF_VERSION = '1.4.0';
const PROFILES = ['host', 'container'];
const CLASS_UID = 4001;
const CATEGORY_UID = 4;

const ACTIVITY = { open: { id: 1, name: 'Open' }, close: { id: 2, name: 'Close' }, traffic: { id: 6, name: 'Traffic' } };
const DIRECTION = {
  unknown: { id: 0, name: 'Unknown' },
  inbound: { id: 1, name: 'Inbound' },
  outbound: { id: 2, name: 'Outbound' },
  lateral: { id: 3, name: 'Lateral' },
} as const;
/** A Kubernetes node, physical or virtual, is a server to OCSF's device types. */
const NODE_DEVICE_TYPE = { id: 1, name: 'Server' };

export function toOcsf(flow: EnrichedFlow): Record<string, unknown> {
  const src = sideOf(flow, 'src');
  const dst = sideOf(flow, 'dst');
  const traffic = directedTraffic(flow);
  const activity = activityOf(flow);
  const direction = directionOf(src, dst);
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
    ...ocsfFacts(flow),
    time: flow.window_end,
    start_time: flow.timestamp,
    end_time: flow.window_end,
    duration: flow.window_end - flow.timestamp,
    metadata: {
      version: OCSF_VERSION,
      uid: recordId(flow),
      profiles: PROFILES,
      product: { name: 'flowmesh', vendor_name: 'flowmesh' },
      log_name: 'flowmesh.flows',
    },
    src_endpoint: endpoint(flow.src_addr, flow.src_port, src, null),
    dst_endpoint: endpoint(flow.dst_addr, flow.dst_port, dst, flow.service_name),
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
      protocol_ver_id: ipVersion(flow.src_addr),
      direction_id: direction.id,
      direction: direction.name,
      community_uid: flowCommunityId(flow),
    },
    // The client opened the connection: it is the actor on both ends' records (absent when it has no agent).
    actor: src.process_pid === null && src.process_name === null ? null : { process: process(src) },
    device: { hostname: flow.reporter_node, name: flow.reporter_node, type_id: NODE_DEVICE_TYPE.id, type: NODE_DEVICE_TYPE.name },
    unmapped: {
      flowmesh: {
        cluster_id: flow.cluster_id,
        ...flowmeshFields(flow),
        ...ocsfUnmapped(flow),
        service: { address: flow.service_addr, port: flow.service_port, name: flow.service_name, namespace: flow.service_namespace },
        src: unmappedSide(src),
        dst: unmappedSide(dst),
      },
    },
  });
}

/** Opened (and still open) → Open; closed within the window, opened in it or not → Close; otherwise a Traffic report. */
function activityOf(flow: EnrichedFlow): { id: number; name: string } {
  if (flow.closed) return ACTIVITY.close;
  return flow.opened ? ACTIVITY.open : ACTIVITY.traffic;
}

function endpoint(ip: string, port: number, side: EnrichedSide, serviceName: string | null): Record<string, unknown> {
  const located = side.geo_latitude !== null && side.geo_longitude !== null;
  return {
    ip,
    port,
    name: side.object_name,
    hostname: side.object_type === 'node' ? side.object_name : null,
    svc_name: serviceName,
    container: side.object_type === 'pod' ? container(side) : null,
    location: { country: side.geo_country, city: side.geo_city, lat: located ? side.geo_latitude : null, long: located ? side.geo_longitude : null },
    autonomous_system: side.asn === null ? null : { number: side.asn, name: side.asn_org },
  };
}

/** A pod's container (Container profile): the pod's labels are its tags. */
function container(side: EnrichedSide): Record<string, unknown> {
  const tags = labelPairs(side.labels);
  return { uid: side.container_id, name: side.container_name, orchestrator: 'kubernetes', tags: tags.length > 0 ? tags : null };
}

function process(side: EnrichedSide): Record<string, unknown> {
  return {
    pid: side.process_pid,
    name: side.process_name,
    cmd_line: side.process_cmdline,
    container: side.container_id || side.container_name ? { uid: side.container_id, name: side.container_name, orchestrator: 'kubernetes' } : null,
  };
}

/** What OCSF has no attribute for: namespace, workload, node, zone; labels of ends that are not pods; the server's process. */
function unmappedSide(side: EnrichedSide): Record<string, unknown> {
  return {
    object_type: side.object_type,
    namespace: side.object_namespace,
    workload: { kind: side.workload_kind, name: side.workload_name, namespace: side.workload_namespace },
    node: side.node,
    zone: side.zone,
    labels: side.object_type === 'pod' || Object.keys(side.labels).length === 0 ? null : labelPairs(side.labels),
    process: { pid: side.process_pid, name: side.process_name, cmd_line: side.process_cmdline },
  };
}

/** Lateral inside the cluster, outbound to the outside, inbound from it. */
function directionOf(src: EnrichedSide, dst: EnrichedSide): { id: number; name: string } {
  const outside = (side: EnrichedSide) => side.object_type === 'external';
  const inside = (side: EnrichedSide) => side.object_type !== 'external' && side.object_type !== 'unknown';
  if (inside(src) && inside(dst)) return DIRECTION.lateral;
  if (inside(src) && outside(dst)) return DIRECTION.outbound;
  if (outside(src) && inside(dst)) return DIRECTION.inbound;
  return DIRECTION.unknown;
}
