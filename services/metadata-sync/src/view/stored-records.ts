/** Records read back from a view in Redis (what a new writer inherits), with enough checking to skip anything malformed. */
import { type ViewKeyName, splitViewKeyName } from '@flowmesh/lib';
import type { ViewRecord } from './derive-records.js';

/** Array fields each record type must have for the indexes to read it. */
const REQUIRED_ARRAYS: Record<string, string[]> = {
  pod: ['ips', 'containers'],
  svc: ['clusterIPs', 'externalIPs', 'loadBalancerIPs'],
  node: ['addresses'],
  ns: [],
};

function looksLikeRecord(type: string, value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    REQUIRED_ARRAYS[type]!.every((field) => Array.isArray(record[field])) &&
    typeof record['uid'] === 'string' &&
    typeof record['name'] === 'string' &&
    typeof record['createdAt'] === 'number' &&
    (record['deletedAt'] === null || typeof record['deletedAt'] === 'number')
  );
}

/** Every well-formed incarnation stored under the object keys (pod, svc, node, ns) of a view. */
export function* adoptableRecords(stored: Map<ViewKeyName, string>): Generator<ViewRecord> {
  for (const [name, text] of stored) {
    const type = splitViewKeyName(name)?.type;
    if (!type || !REQUIRED_ARRAYS[type]) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed)) continue;
    for (const record of parsed) if (looksLikeRecord(type, record)) yield { type, record } as ViewRecord;
  }
}
