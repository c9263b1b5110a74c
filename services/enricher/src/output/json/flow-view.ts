/**
 * Read helpers the JSON shapes share: one side of a flat record without its
 * prefix, the traffic split by direction, the counting rule and the flow's
 * Community ID. EnrichedFlow counts from the
 * reporting end (out = sent by it), while ECS and OCSF count from source to
 * destination, so the split depends on who reported.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { SIDE_KEYS, type Side } from '../../side-fields.js';
import { communityId } from './community-id.js';

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

/**
 * The project's counting rule: volume is taken from the client's half
 * (vantage SRC); from the server's (DST) only when the client end has no
 * agent, i.e. the half was not matched. Summing the records for which this is
 * true counts every conversation once.
 */
export function countsVolume(flow: Pick<EnrichedFlow, 'vantage' | 'match'>): boolean {
  return flow.vantage === 'SRC' || flow.match !== 'MATCHED';
}

/** The flowmesh measurements and outcomes neither ECS nor OCSF has a field for (under `flowmesh.*` in both shapes). */
export function flowmeshFields(flow: EnrichedFlow): Record<string, unknown> {
  return {
    vantage: flow.vantage,
    match: flow.match,
    counts_volume: countsVolume(flow),
    enrichment: flow.enrichment,
    synthetic: flow.synthetic,
    opened: flow.opened,
    closed: flow.closed,
    latency_ms: flow.latency_ms,
    retransmits: flow.retransmits,
  };
}

/** The flow's Community ID (client → server tuple; the id is the same either way). */
export function flowCommunityId(flow: EnrichedFlow): string {
  return communityId({ protocol: flow.protocol, srcAddr: flow.src_addr, dstAddr: flow.dst_addr, srcPort: flow.src_port, dstPort: flow.dst_port });
}

/** Every address the record names (both ends and the Service address dialled), once each. */
export function relatedAddresses(flow: EnrichedFlow): string[] {
  return [...new Set([flow.src_addr, flow.dst_addr, ...(flow.service_addr ? [flow.service_addr] : [])])];
}

export function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}
