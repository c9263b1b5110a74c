/**
 * TypeScript shapes of the newest Avro records in schemas/ (FlowHalf v2,
 * JoinedFlow v2, EnrichedFlow v3). Field names are the wire
 * names (snake_case) so a record can be handed to the codec as is. Avro `long`
 * values (bytes, timestamps in ms) are JavaScript numbers: exact up to 2^53.
 */

export type Vantage = 'SRC' | 'DST';
export type Match = 'MATCHED' | 'PEER_MISSING' | 'EXTERNAL';
export type ObjectType = 'pod' | 'service' | 'node' | 'external' | 'unknown';
export type Enrichment = 'OK' | 'PARTIAL' | 'STALE';
/** How a TCP connection attempt ended up (FlowHalf v2). */
export type ConnectionOutcome = 'ESTABLISHED' | 'REFUSED' | 'TIMEOUT' | 'RESET';
/** Which end of a connection did something (here: sent the RST). */
export type ConnectionEnd = 'CLIENT' | 'SERVER';

/** Packets of a conversation the kernel dropped for one skb_drop_reason within a window. */
export interface DropCount {
  /** skb_drop_reason name without the SKB_DROP_REASON_ prefix, e.g. NETFILTER_DROP. */
  reason: string;
  packets: number;
  bytes: number;
}

/** The first DNS request/response of a port-53 conversation within a window. */
export interface DnsExchange {
  query_name: string;
  query_type: number;
  response_code: number | null;
  latency_us: number | null;
  /** A/AAAA addresses answered, in textual form. */
  answers: string[];
  answer_ttl_s: number | null;
}

/** IANA protocol numbers flowmesh reports. */
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export interface FlowHalf {
  node: string;
  vantage: Vantage;
  protocol: number;
  client_ip: string;
  client_port: number;
  server_ip: string;
  server_port: number;
  window_start: number;
  window_end: number;
  bytes_sent: number;
  bytes_received: number;
  packets_sent: number;
  packets_received: number;
  srtt_us: number | null;
  retransmits: number | null;
  opened: boolean;
  closed: boolean;
  pid: number;
  process_name: string;
  cmdline: string;
  container_id: string | null;
  synthetic: boolean;
  connection_outcome: ConnectionOutcome | null;
  reset_by: ConnectionEnd | null;
  drops: DropCount[];
  tls_server_name: string | null;
  dns: DnsExchange | null;
}

export interface Endpoint {
  ip: string;
  port: number;
  node: string | null;
  pid: number | null;
  process_name: string | null;
  cmdline: string | null;
  container_id: string | null;
}

export interface JoinedFlow {
  half: FlowHalf;
  match: Match;
  src: Endpoint;
  dst: Endpoint;
  service_ip: string | null;
  service_port: number | null;
}

/** Per-side fields of an EnrichedFlow, without the `src_`/`dst_` prefix. */
export interface EnrichedSide {
  process_pid: number | null;
  process_name: string | null;
  process_cmdline: string | null;
  container_id: string | null;
  node: string | null;
  object_name: string | null;
  object_namespace: string | null;
  object_type: ObjectType;
  container_name: string | null;
  workload_name: string | null;
  workload_namespace: string | null;
  workload_kind: string | null;
  labels: Record<string, string>;
  geo_country: string | null;
  geo_city: string | null;
  asn: number | null;
  asn_org: string | null;
  /** The zone of the end's node (topology.kubernetes.io/zone). */
  zone: string | null;
  geo_latitude: number | null;
  geo_longitude: number | null;
}

type Prefixed<P extends string, T> = { [K in keyof T & string as `${P}_${K}`]: T[K] };

export interface EnrichedFlowCore {
  timestamp: number;
  window_end: number;
  vantage: Vantage;
  match: Match;
  protocol: number;
  src_addr: string;
  src_port: number;
  dst_addr: string;
  dst_port: number;
  out_bytes: number;
  in_bytes: number;
  out_pkts: number;
  in_pkts: number;
  latency_ms: number | null;
  retransmits: number | null;
  opened: boolean;
  closed: boolean;
  reporter_node: string;
  service_addr: string | null;
  service_port: number | null;
  service_name: string | null;
  service_namespace: string | null;
  cluster_id: string;
  enrichment: Enrichment;
  synthetic: boolean;
  connection_outcome: ConnectionOutcome | null;
  reset_by: ConnectionEnd | null;
  drop_packets: number;
  drop_bytes: number;
  /** Dropped packets by kernel drop reason. */
  drop_reasons: Record<string, number>;
  tls_server_name: string | null;
  dns_query_name: string | null;
  dns_query_type: number | null;
  dns_response_code: number | null;
  dns_latency_ms: number | null;
  dns_answers: string[];
  /** The name an earlier DNS answer (same source, within its TTL) gave the destination address. */
  dst_dns_name: string | null;
}

export type EnrichedFlow = EnrichedFlowCore & Prefixed<'src', EnrichedSide> & Prefixed<'dst', EnrichedSide>;

/** The records flowmesh puts on Kafka, by schema name. */
export interface RecordTypes {
  FlowHalf: FlowHalf;
  JoinedFlow: JoinedFlow;
  EnrichedFlow: EnrichedFlow;
}
export type RecordName = keyof RecordTypes;

/** FlowHalf v2's added fields at their defaults: for halves that saw no outcome, drop, TLS or DNS. */
export const NO_HALF_FACTS: Pick<FlowHalf, 'connection_outcome' | 'reset_by' | 'drops' | 'tls_server_name' | 'dns'> = Object.freeze({
  connection_outcome: null,
  reset_by: null,
  drops: [],
  tls_server_name: null,
  dns: null,
});
