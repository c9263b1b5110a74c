/**
 * The per-side fields of an EnrichedFlow, in schema order, and their prefixed
 * names built once. Code that maps sides adds properties in this fixed order,
 * so every record has one object shape (fast to build, read and encode).
 */
import type { EnrichedSide } from '@flowmesh/lib';

export const SIDE_FIELDS = [
  'process_pid', 'process_name', 'process_cmdline', 'container_id', 'node', 'object_name', 'object_namespace',
  'object_type', 'container_name', 'workload_name', 'workload_namespace', 'workload_kind', 'labels',
  'geo_country', 'geo_city', 'asn', 'asn_org', 'zone', 'geo_latitude', 'geo_longitude',
] as const satisfies readonly (keyof EnrichedSide)[];

// Fails to compile when EnrichedSide gains a field this list lacks.
const complete: Exclude<keyof EnrichedSide, (typeof SIDE_FIELDS)[number]> extends never ? true : never = true;
void complete;

export type Side = 'src' | 'dst';
export type SideKeys = readonly (readonly [field: keyof EnrichedSide, key: string])[];

export const SIDE_KEYS: Record<Side, SideKeys> = {
  src: SIDE_FIELDS.map((field) => [field, `src_${field}`] as const),
  dst: SIDE_FIELDS.map((field) => [field, `dst_${field}`] as const),
};
