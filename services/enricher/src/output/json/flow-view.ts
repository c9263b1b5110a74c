/**
 * Read helpers the JSON shapes share: one side of a flat record without its
 * prefix, and the traffic split by direction. EnrichedFlow counts from the
 * reporting end (out = sent by it), while ECS and OCSF count from source to
 * destination, so the split depends on who reported.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { SIDE_KEYS, type Side } from '../../side-fields.js';

export type { Side };

export function sideOf(flow: EnrichedFlow, side: Side): EnrichedSide {
  const record = flow as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [field, key] of SIDE_KEYS[side]) out[field] = record[key];
  return out as unknown as EnrichedSide;
}

/** The side that reported the measurements. */
export function reportingSide(flow: EnrichedFlow): Side {
  return flow.vantage === 'SRC' ? 'src' : 'dst';
}

export interface Volume {
  bytes: number;
  packets: number;
}

export interface DirectedTraffic {
  /** Sent by the client (source) towards the server. */
  toServer: Volume;
  /** Sent by the server (destination) back to the client. */
  toClient: Volume;
}

export function directedTraffic(flow: EnrichedFlow): DirectedTraffic {
  const sent = { bytes: flow.out_bytes, packets: flow.out_pkts };
  const received = { bytes: flow.in_bytes, packets: flow.in_pkts };
  return flow.vantage === 'SRC' ? { toServer: sent, toClient: received } : { toServer: received, toClient: sent };
}

export function transportName(protocol: number): string {
  return protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : String(protocol);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Drops null and undefined members (and objects left empty) so documents stay small. */
export function compact<T>(value: T): T {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const kept = compact(member);
    if (kept === null || kept === undefined) continue;
    if (typeof kept === 'object' && !Array.isArray(kept) && Object.keys(kept).length === 0) continue;
    out[key] = kept;
  }
  return out as T;
}

/** The Kubernetes context of one side, as one nested object (vendor extension of ECS and OCSF). */
export function kubeContext(side: EnrichedSide): Record<string, unknown> {
  return {
    object: { type: side.object_type, name: side.object_name, namespace: side.object_namespace },
    workload: { kind: side.workload_kind, name: side.workload_name, namespace: side.workload_namespace },
    container_name: side.container_name,
    node: side.node,
    labels: side.labels,
  };
}

/** The flowmesh-specific part both the ECS and the OCSF shapes carry (neither schema has these fields). */
export function flowmeshExtension(flow: EnrichedFlow): Record<string, unknown> {
  return {
    vantage: flow.vantage,
    match: flow.match,
    enrichment: flow.enrichment,
    synthetic: flow.synthetic,
    latency_ms: flow.latency_ms,
    retransmits: flow.retransmits,
    service: { address: flow.service_addr, port: flow.service_port, name: flow.service_name, namespace: flow.service_namespace },
    src: kubeContext(sideOf(flow, 'src')),
    dst: kubeContext(sideOf(flow, 'dst')),
  };
}
