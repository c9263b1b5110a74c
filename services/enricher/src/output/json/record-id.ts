/**
 * A deterministic id per enriched record, for SIEM de-duplication (ECS
 * `event.id`, OCSF `metadata.uid`). Delivery is at-least-once, so a record
 * re-delivered after a crash must get the id it had: the id hashes only what
 * identifies the half the record came from (who reported which window of which
 * conversation, in which cluster), never what a re-read may change (match,
 * peer context, enrichment).
 */
import { createHash } from 'node:crypto';
import type { EnrichedFlow } from '@flowmesh/lib';

export type RecordIdentity = Pick<EnrichedFlow, 'cluster_id' | 'reporter_node' | 'vantage' | 'protocol' | 'src_addr' | 'src_port' | 'timestamp'>;

/** The fields the id is made of, joined in a fixed order (documented in docs/siem.md). */
export function recordIdentityKey(flow: RecordIdentity): string {
  return [flow.cluster_id, flow.reporter_node, flow.vantage, flow.protocol, flow.src_addr, flow.src_port, flow.timestamp].join('|');
}

/** 32 hex digits: the first 128 bits of SHA-256 over the identity key. */
export function recordId(flow: RecordIdentity): string {
  return createHash('sha256').update(recordIdentityKey(flow)).digest('hex').slice(0, 32);
}
