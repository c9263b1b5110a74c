/**
 * The flat EnrichedFlow record from a joined flow and what was resolved about its
 * two ends. src is the client end, dst the server end (the joiner already put
 * them that way round); in/out are from the reporting end's socket.
 */
import type { EnrichedFlow, EnrichedFlowCore, EnrichedSide, Endpoint, Enrichment, FlowHalf, JoinedFlow } from '@flowmesh/lib';
import type { GeoInfo } from '../geo/geoip.js';
import type { ObjectDetails } from './describe.js';

export interface ResolvedEnd {
  details: ObjectDetails;
  geo: GeoInfo;
}

export interface FlowContext {
  src: ResolvedEnd;
  dst: ResolvedEnd;
  srcZone: string | null;
  dstZone: string | null;
  service: { name: string; namespace: string } | null;
  clusterId: string;
  enrichment: Enrichment;
  /** The name an earlier DNS answer gave the destination address (dns-names.ts); null or absent when none. */
  dstDnsName?: string | null;
}

/** The EnrichedFlow fields that summarise what the half saw of the connection, its drops, TLS and DNS (EnrichedFlow v3). */
export type FlowFacts = Pick<
  EnrichedFlowCore,
  | 'connection_outcome' | 'reset_by' | 'drop_packets' | 'drop_bytes' | 'drop_reasons' | 'tls_server_name'
  | 'dns_query_name' | 'dns_query_type' | 'dns_response_code' | 'dns_latency_ms' | 'dns_answers' | 'dst_dns_name'
>;

/** The half's FlowHalf v2 fields, summed and flattened into EnrichedFlow's; `dstDnsName` from the DNS-answer cache. */
export function flowFacts(half: Pick<FlowHalf, 'connection_outcome' | 'reset_by' | 'drops' | 'tls_server_name' | 'dns'>, dstDnsName: string | null): FlowFacts {
  let dropPackets = 0;
  let dropBytes = 0;
  const dropReasons: Record<string, number> = {};
  for (const drop of half.drops) {
    dropPackets += drop.packets;
    dropBytes += drop.bytes;
    dropReasons[drop.reason] = (dropReasons[drop.reason] ?? 0) + drop.packets;
  }
  const dns = half.dns;
  return {
    connection_outcome: half.connection_outcome,
    reset_by: half.reset_by,
    drop_packets: dropPackets,
    drop_bytes: dropBytes,
    drop_reasons: dropReasons,
    tls_server_name: half.tls_server_name,
    dns_query_name: dns?.query_name ?? null,
    dns_query_type: dns?.query_type ?? null,
    dns_response_code: dns?.response_code ?? null,
    // `+ 0` turns -0 into 0: a long has no -0, so the byte-splicing writer (which reads the long back) never sees one.
    dns_latency_ms: dns?.latency_us == null ? null : dns.latency_us / 1000 + 0,
    dns_answers: dns?.answers ?? [],
    dst_dns_name: dstDnsName,
  };
}

/**
 * Spelled out field by field on purpose: one object literal gives every record
 * the same hidden class, about 30x faster to build (and faster for avsc to
 * encode) than adding prefixed keys in a loop, and the compiler checks it
 * against EnrichedFlow.
 */
export function toEnrichedFlow(joined: JoinedFlow, context: FlowContext): EnrichedFlow {
  const half = joined.half;
  const src = side(joined.src, context.src, context.srcZone);
  const dst = side(joined.dst, context.dst, context.dstZone);
  return {
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
    src_process_pid: src.process_pid,
    src_process_name: src.process_name,
    src_process_cmdline: src.process_cmdline,
    src_container_id: src.container_id,
    src_node: src.node,
    src_object_name: src.object_name,
    src_object_namespace: src.object_namespace,
    src_object_type: src.object_type,
    src_container_name: src.container_name,
    src_workload_name: src.workload_name,
    src_workload_namespace: src.workload_namespace,
    src_workload_kind: src.workload_kind,
    src_labels: src.labels,
    src_geo_country: src.geo_country,
    src_geo_city: src.geo_city,
    src_asn: src.asn,
    src_asn_org: src.asn_org,
    src_zone: src.zone,
    src_geo_latitude: src.geo_latitude,
    src_geo_longitude: src.geo_longitude,
    dst_process_pid: dst.process_pid,
    dst_process_name: dst.process_name,
    dst_process_cmdline: dst.process_cmdline,
    dst_container_id: dst.container_id,
    dst_node: dst.node,
    dst_object_name: dst.object_name,
    dst_object_namespace: dst.object_namespace,
    dst_object_type: dst.object_type,
    dst_container_name: dst.container_name,
    dst_workload_name: dst.workload_name,
    dst_workload_namespace: dst.workload_namespace,
    dst_workload_kind: dst.workload_kind,
    dst_labels: dst.labels,
    dst_geo_country: dst.geo_country,
    dst_geo_city: dst.geo_city,
    dst_asn: dst.asn,
    dst_asn_org: dst.asn_org,
    dst_zone: dst.zone,
    dst_geo_latitude: dst.geo_latitude,
    dst_geo_longitude: dst.geo_longitude,
    cluster_id: context.clusterId,
    enrichment: context.enrichment,
    synthetic: half.synthetic,
    ...flowFacts(half, context.dstDnsName ?? null),
  };
}

function side(end: Endpoint, resolved: ResolvedEnd, zone: string | null): EnrichedSide {
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
    zone,
    geo_latitude: geo.geo_latitude,
    geo_longitude: geo.geo_longitude,
  };
}
