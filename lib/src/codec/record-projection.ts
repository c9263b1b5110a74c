/**
 * Reads only some fields of a record: an Avro reader schema with a subset of
 * the writer's fields, so avsc skips the others (still checking that they
 * parse) instead of building them. For a stage that needs a few fields to
 * decide and copies the record's bytes for the rest (the joiner).
 *
 * Every decoded record comes with its body in the newest schema: a view into
 * the message, or written again when the message was written with another.
 */
import avro from 'avsc';
import type { RecordName, RecordTypes } from '../schema/types.js';
import { readWholeBody, type DecodeResult, type RecordCodec, type RecordDecoder } from './record-codec.js';

export class RecordProjection<N extends RecordName, F extends keyof RecordTypes[N] & string> implements RecordDecoder<Pick<RecordTypes[N], F>> {
  private readonly type: avro.Type;
  private readonly resolver: avro.Resolver;

  constructor(
    private readonly codec: RecordCodec<N>,
    readonly fields: readonly F[],
  ) {
    const schema = codec.type.schema() as avro.schema.RecordType;
    const unknown = fields.filter((name) => !schema.fields.some((field) => field.name === name));
    if (unknown.length) throw new Error(`${codec.recordName} has no field ${unknown.join(', ')}`);
    this.type = avro.Type.forSchema({ ...schema, fields: schema.fields.filter((field) => (fields as readonly string[]).includes(field.name)) });
    this.resolver = this.type.createResolver(codec.type);
  }

  /** The projected value and the body in the newest schema. */
  decode(message: Buffer): { value: Pick<RecordTypes[N], F>; body: Buffer } {
    const { body, writer } = this.codec.newestBody(message);
    return { value: readWholeBody(this.type, this.resolver, body, 0, writer) as Pick<RecordTypes[N], F>, body };
  }

  decodeBatch(messages: readonly (Buffer | null)[]): Promise<DecodeResult<Pick<RecordTypes[N], F>>[]> {
    return this.codec.decodeBatchWith(messages, (message) => this.decode(message));
  }
}
