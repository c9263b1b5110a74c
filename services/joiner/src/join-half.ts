/**
 * What the join reads of a FlowHalf: the fields it decides on. Halves are
 * decoded through a projection to these fields (avsc skips the others, still
 * checking that they parse) and travel on as their Avro bodies, which the
 * output records are spliced from (JoinedFlowWriter).
 */
import { latestSchema, RecordProjection, type FlowHalf, type InputRecord, type RecordCodec } from '@flowmesh/lib';

export const JOIN_FIELDS = ['node', 'vantage', 'protocol', 'client_ip', 'client_port', 'server_ip', 'server_port', 'window_start', 'window_end'] as const;
type JoinField = (typeof JOIN_FIELDS)[number];

export type JoinHalf = Pick<FlowHalf, JoinField>;

/** A half as the join takes it: the projected fields and the whole body in the newest FlowHalf schema. */
export type JoinRecord = InputRecord<JoinHalf> & { body: Buffer };

export function joinProjection(codec: RecordCodec<'FlowHalf'>): RecordProjection<'FlowHalf', JoinField> {
  return new RecordProjection(codec, JOIN_FIELDS);
}

const halfType = latestSchema('FlowHalf').type;

/** The whole half from its body, as a plain object: for records built as objects (tests, observers, the writer's fallback). */
export function wholeHalf(body: Buffer): FlowHalf {
  const half = halfType.fromBuffer(body) as FlowHalf;
  // avsc decodes nested records into its own classes; plain objects compare and serialise like the rest.
  return { ...half, drops: half.drops.map((drop) => ({ ...drop })), dns: half.dns && { ...half.dns } };
}

/** A body for a whole half (tests, benches: what the projection hands over with each record). */
export function halfBody(half: FlowHalf): Buffer {
  return halfType.toBuffer(half);
}
