/**
 * The fields of an EnrichedFlow the traffic metrics read. The service decodes
 * only these (a RecordProjection): Avro skips the process, address, label and
 * other fields instead of building them, which is most of a record's decode cost.
 */
import { RecordProjection, type EnrichedFlow, type RecordCodec } from '@flowmesh/lib';

const SIDE_FIELDS = [
  'object_type',
  'object_name',
  'object_namespace',
  'node',
  'workload_name',
  'workload_namespace',
  'workload_kind',
  'geo_country',
  'geo_city',
  'asn',
  'asn_org',
  'zone',
  'geo_latitude',
  'geo_longitude',
] as const;

export const METRICS_FIELDS = [
  'vantage',
  'match',
  'protocol',
  'dst_port',
  'out_bytes',
  'in_bytes',
  'out_pkts',
  'in_pkts',
  'latency_ms',
  'retransmits',
  'opened',
  'closed',
  'service_addr',
  'service_name',
  'synthetic',
  ...SIDE_FIELDS.map((field) => `src_${field}` as const),
  ...SIDE_FIELDS.map((field) => `dst_${field}` as const),
] as const satisfies readonly (keyof EnrichedFlow)[];

export type MetricsField = (typeof METRICS_FIELDS)[number];

/** What flow-metrics knows of a record. */
export type MetricsFlow = Pick<EnrichedFlow, MetricsField>;

export function metricsProjection(codec: RecordCodec<'EnrichedFlow'>): RecordProjection<'EnrichedFlow', MetricsField> {
  return new RecordProjection(codec, METRICS_FIELDS);
}
