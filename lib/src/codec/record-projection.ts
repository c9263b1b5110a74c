/**
 * Reads only some fields of a record: an Avro reader schema with a subset of
 * the writer's fields, so avsc skips the others (still checking that they
 * parse) instead of building them. For a stage that needs a few fields to
 * decide and copies the record's bytes for the rest (the joiner).
 *
 * A field that is itself a record may be narrowed the same way (`nested`):
 * the enricher reads a few fields of a JoinedFlow's half and ends.
 *
 * Every decoded record comes with its body in the newest schema: a view into
 * the message, or written again when the message was written with another.
 */
import avro from 'avsc';
import type { RecordName, RecordTypes } from '../schema/types.js';
import { readWholeBody, type DecodeResult, type RecordCodec, type RecordDecoder } from './record-codec.js';

/** For fields that are records: which of their fields to read. */
export type NestedFields<T, F extends keyof T> = { [K in F]?: readonly (keyof NonNullable<T[K]> & string)[] };

/**
 * `V` is what a record reads as: the chosen fields, with nested records
 * narrowed when `nested` says so (the caller names that type; a test checks it).
 */
export class RecordProjection<N extends RecordName, F extends keyof RecordTypes[N] & string, V = Pick<RecordTypes[N], F>> implements RecordDecoder<V> {
  private readonly type: avro.Type;
  private readonly resolver: avro.Resolver;

  constructor(
    private readonly codec: RecordCodec<N>,
    readonly fields: readonly F[],
    nested: NestedFields<RecordTypes[N], F> = {},
  ) {
    this.type = projectedType(codec.type as avro.types.RecordType, fields, nested as Record<string, readonly string[] | undefined>);
    this.resolver = this.type.createResolver(codec.type);
  }

  /** The projected value and the body in the newest schema. */
  decode(message: Buffer): { value: V; body: Buffer } {
    const { body, writer } = this.codec.newestBody(message);
    return { value: readWholeBody(this.type, this.resolver, body, 0, writer) as V, body };
  }

  decodeBatch(messages: readonly (Buffer | null)[]): Promise<DecodeResult<V>[]> {
    return this.codec.decodeBatchWith(messages, (message) => this.decode(message));
  }
}

/**
 * The reader type: the record with only `fields`, each record-typed one
 * narrowed to its `nested` fields. Narrowed records are new types, named
 * after the field with the original name as alias (so they resolve against
 * the writer's); references to other named types resolve to the writer's own.
 */
function projectedType(writer: avro.types.RecordType, fields: readonly string[], nested: Record<string, readonly string[] | undefined>): avro.Type {
  const registry: Record<string, avro.Type> = {};
  avro.Type.forSchema(writer.schema(), { registry });
  return avro.Type.forSchema(narrowed(writer, fields, nested, 'projection'), { registry });
}

function narrowed(record: avro.types.RecordType, fields: readonly string[], nested: Record<string, readonly string[] | undefined>, suffix: string): avro.schema.RecordType {
  const unknown = fields.filter((name) => !record.fields.some((field) => field.name === name));
  if (unknown.length) throw new Error(`${record.name} has no field ${unknown.join(', ')}`);
  return {
    type: 'record',
    name: `${record.name}_${suffix}`,
    aliases: [record.name!],
    fields: record.fields
      .filter((field) => fields.includes(field.name))
      .map((field) => {
        const inner = nested[field.name];
        if (!inner) return { name: field.name, type: field.type.schema({ noDeref: true }) };
        if (field.type.typeName !== 'record') throw new Error(`${record.name}.${field.name} is not a record`);
        return { name: field.name, type: narrowed(field.type as avro.types.RecordType, inner, {}, field.name) };
      }),
  };
}
