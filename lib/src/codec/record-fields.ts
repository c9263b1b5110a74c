/**
 * Reads chosen fields of a record straight from its Avro bytes, without
 * building the record: a RecordLayout (arrays and maps included) finds where
 * every field of the writer's body starts, and each wanted field is looked up
 * by name in the writer's order once, when the reader is built. A wanted
 * field the writer's version did not have is absent (-1): the reader's
 * default applies. Build one per writer schema, since records come in older
 * versions too (RecordCodec.writerOf says which). For a sink that reads a few
 * numbers and compares label bytes instead of decoding (flow-metrics).
 */
import type avro from 'avsc';
import { RecordLayout } from './record-layout.js';

export class RecordFields {
  private readonly offsets: Int32Array;
  /** For each wanted field, its index in the writer's body; -1 when the writer has no such field. */
  private readonly indexes: Int32Array;
  /** The writer's type of each wanted field, null when absent. */
  readonly types: readonly (avro.Type | null)[];

  private constructor(
    private readonly layout: RecordLayout,
    writer: avro.types.RecordType,
    readonly names: readonly string[],
  ) {
    this.offsets = layout.offsets();
    this.indexes = Int32Array.from(names, (name) => layout.names.indexOf(name));
    this.types = Array.from(this.indexes, (index) => (index < 0 ? null : writer.fields[index]!.type));
  }

  /** The reader of `names` in bodies written with `writer`; null when the writer is not a record we can step through. */
  static of(writer: avro.Type, names: readonly string[]): RecordFields | null {
    const layout = RecordLayout.of(writer);
    return layout && new RecordFields(layout, writer as avro.types.RecordType, names);
  }

  /**
   * Locates the fields of the body at `start` of `buf`; returns where the body
   * ends (the caller checks it is the end of the message), -1 when the bytes
   * end first or are not such a body.
   */
  locate(buf: Uint8Array, start: number): number {
    return this.layout.locate(buf, start, this.offsets) ? this.offsets[this.offsets.length - 1]! : -1;
  }

  /** Wanted field `i`'s position in the writer's body order; -1 when the writer has no such field. */
  writerIndex(i: number): number {
    return this.indexes[i]!;
  }

  /** Where wanted field `i` starts in the body last located; -1 when the writer has no such field. */
  start(i: number): number {
    const index = this.indexes[i]!;
    return index < 0 ? -1 : this.offsets[index]!;
  }

  /** Where wanted field `i` ends (the next field's start); -1 when absent. */
  end(i: number): number {
    const index = this.indexes[i]!;
    return index < 0 ? -1 : this.offsets[index + 1]!;
  }
}

/**
 * The long at `pos` (a zigzag varint of up to 64 bits) as a number, exact up
 * to 2^53 in magnitude (past that avsc refuses it: check with
 * Number.isSafeInteger). Callers read only fields a layout located.
 */
export function readLong(buf: Uint8Array, pos: number): number {
  let byte = buf[pos++]!;
  // The zigzag sign is the lowest bit: the magnitude is built from the bits above it, so it stays exact.
  const negative = byte & 1;
  let magnitude = (byte & 0x7f) >>> 1;
  // Float arithmetic: a 64-bit varint overflows the 32-bit bitwise operators.
  for (let scale = 64; byte & 0x80; scale *= 128) {
    byte = buf[pos++]!;
    magnitude += (byte & 0x7f) * scale;
  }
  return negative ? -magnitude - 1 : magnitude;
}

/** How many branches a union type has; 0 when `type` is not a union. */
export function unionBranchCount(type: avro.Type): number {
  return type.typeName.startsWith('union') ? (type as unknown as { types: avro.Type[] }).types.length : 0;
}
