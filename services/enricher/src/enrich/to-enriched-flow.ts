/**
 * The flat EnrichedFlow record from a joined flow and what was resolved about its
 * two ends. src is the client end, dst the server end (the joiner already put
 * them that way round); in/out are from the reporting end's socket.
 */
import type { EnrichedFlow, EnrichedSide, Endpoint, Enrichment, JoinedFlow } from '@flowmesh/lib';
import type { GeoInfo } from '../geo/geoip.js';
import { SIDE_KEYS, type SideKeys } from '../side-fields.js';
import type { ObjectDetails } from './describe.js';

export interface ResolvedEnd {
  details: ObjectDetails;
  geo: GeoInfo;
}

export interface FlowContext {
  src: ResolvedEnd;
  dst: ResolvedEnd;
  service: { name: string; namespace: string } | null;
  clusterId: string;
  enrichment: Enrichment;
}

export function toEnrichedFlow(joined: JoinedFlow, context: FlowContext): EnrichedFlow {
  const half = joined.half;
  const record: Record<string, unknown> = {
    timestamp: half.window_start,
    window_end: half.window_end,
    vantage: half.vantage,
    match: joined.match,
    protocol: half.protocol,
    src_addr: joined.src.ip,
    src_port: joined.src.port,
    dst_addr: joined.dst.ip,
    dst_port: joined.dst.port,
    out_bytes: half.bytes_sent,
    in_bytes: half.bytes_received,
    out_pkts: half.packets_sent,
    in_pkts: half.packets_received,
    latency_ms: half.srtt_us === null ? null : half.srtt_us / 1000,
    retransmits: half.retransmits,
    opened: half.opened,
    closed: half.closed,
    reporter_node: half.node,
    service_addr: joined.service_ip,
    service_port: joined.service_port,
    service_name: context.service?.name ?? null,
    service_namespace: context.service?.namespace ?? null,
    cluster_id: context.clusterId,
    enrichment: context.enrichment,
    synthetic: half.synthetic,
  };
  addSide(record, SIDE_KEYS.src, side(joined.src, context.src));
  addSide(record, SIDE_KEYS.dst, side(joined.dst, context.dst));
  return record as unknown as EnrichedFlow;
}

function side(end: Endpoint, resolved: ResolvedEnd): EnrichedSide {
  const { details, geo } = resolved;
  return {
    // The agent's own word about its process and node beats the view's.
    process_pid: end.pid,
    process_name: end.process_name,
    process_cmdline: end.cmdline,
    container_id: end.container_id,
    node: end.node ?? details.node,
    object_name: details.object_name,
    object_namespace: details.object_namespace,
    object_type: details.object_type,
    container_name: details.container_name,
    workload_name: details.workload_name,
    workload_namespace: details.workload_namespace,
    workload_kind: details.workload_kind,
    labels: details.labels,
    geo_country: geo.geo_country,
    geo_city: geo.geo_city,
    asn: geo.asn,
    asn_org: geo.asn_org,
  };
}

function addSide(record: Record<string, unknown>, keys: SideKeys, fields: EnrichedSide): void {
  for (const [field, key] of keys) record[key] = fields[field];
}
