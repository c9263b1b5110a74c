/**
 * Where each field of an Avro record body starts. Avro writes a record as
 * its fields one after another with no framing, so finding a field means
 * stepping over the ones before it: varints for int/long/enum, a length and
 * bytes for string/bytes, an index and a branch for a union. The steps are
 * built once from the avsc type; records with types no splicing stage reads
 * (arrays, maps) get no layout, and callers fall back to avsc. For stages
 * that write their output from their input's bytes (joiner, enricher).
 */
import type avro from 'avsc';

/** Steps over one value at `pos` in `buf`; returns the position after it, or -1 when the bytes end first. */
type Skip = (buf: Uint8Array, pos: number) => number;

/** Reads a zigzag varint (a length, union index or int: 32 bits at most) at `pos`; -1 when malformed. */
function readSmall(buf: Uint8Array, pos: number, out: { pos: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length || shift > 28) return -1;
    const byte = buf[pos++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  out.pos = pos;
  return (value >>> 1) ^ -(value & 1);
}

const cursor = { pos: 0 };

function skipVarint(buf: Uint8Array, pos: number): number {
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return -1;
    if ((buf[pos++]! & 0x80) === 0) return pos;
  }
  return -1;
}

function skipSized(buf: Uint8Array, pos: number): number {
  const length = readSmall(buf, pos, cursor);
  if (length < 0) return -1;
  const end = cursor.pos + length;
  return end <= buf.length ? end : -1;
}

const fixedSize =
  (size: number): Skip =>
  (buf, pos) =>
    pos + size <= buf.length ? pos + size : -1;

function skipperFor(type: avro.Type): Skip | null {
  switch (type.typeName) {
    case 'null':
      return (_buf, pos) => pos;
    case 'boolean':
      return fixedSize(1);
    case 'int':
    case 'long':
    case 'enum':
      return skipVarint;
    case 'float':
      return fixedSize(4);
    case 'double':
      return fixedSize(8);
    case 'string':
    case 'bytes':
      return skipSized;
    case 'fixed':
      return fixedSize((type as unknown as { size: number }).size);
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as unknown as { types: avro.Type[] }).types.map(skipperFor);
      if (branches.some((b) => b === null)) return null;
      return (buf, pos) => {
        const index = readSmall(buf, pos, cursor);
        const branch = branches[index];
        return branch ? branch(buf, cursor.pos) : -1;
      };
    }
    case 'record':
    case 'error': {
      const fields = (type as avro.types.RecordType).fields.map((f) => skipperFor(f.type));
      if (fields.some((f) => f === null)) return null;
      return (buf, pos) => {
        for (const skip of fields) if ((pos = skip!(buf, pos)) < 0) return -1;
        return pos;
      };
    }
    default:
      return null;
  }
}

/** How `locate` steps over a field: the common kinds inline, the rest through its Skip. */
const VARINT = 0;
const SIZED = 1;
const OTHER = 2;

function kindOf(type: avro.Type): number {
  if (['int', 'long', 'enum'].includes(type.typeName)) return VARINT;
  if (['string', 'bytes'].includes(type.typeName)) return SIZED;
  return OTHER;
}

export class RecordLayout {
  /** Field names, in body order. */
  readonly names: readonly string[];
  private readonly kinds: Uint8Array;

  private constructor(
    type: avro.types.RecordType,
    private readonly skips: readonly Skip[],
  ) {
    this.names = type.fields.map((f) => f.name);
    this.kinds = Uint8Array.from(type.fields.map((f) => kindOf(f.type)));
  }

  /** The layout of a record type; null when it has a field type we do not step over. */
  static of(type: avro.Type): RecordLayout | null {
    if (type.typeName !== 'record') return null;
    const record = type as avro.types.RecordType;
    const skips = record.fields.map((f) => skipperFor(f.type));
    return skips.every((s) => s !== null) ? new RecordLayout(record, skips as Skip[]) : null;
  }

  /** A buffer for `locate`: each field's start, then the end of the body. */
  offsets(): Int32Array {
    return new Int32Array(this.skips.length + 1);
  }

  /** Fills `offsets` for the body at `start` of `buf`; false when the bytes are not such a record. */
  locate(buf: Uint8Array, start: number, offsets: Int32Array): boolean {
    let pos = start;
    const kinds = this.kinds;
    for (let i = 0; i < kinds.length; i++) {
      offsets[i] = pos;
      // Direct calls for the common kinds (inlined), rather than a call through each field's closure.
      const kind = kinds[i];
      pos = kind === VARINT ? skipVarint(buf, pos) : kind === SIZED ? skipSized(buf, pos) : this.skips[i]!(buf, pos);
      if (pos < 0) return false;
    }
    offsets[kinds.length] = pos;
    return true;
  }

  /** Position of a field in the body order; throws when there is none (a schema change the caller must follow). */
  field(name: string): number {
    const at = this.names.indexOf(name);
    if (at < 0) throw new Error(`no field ${name} in ${this.names.join(',')}`);
    return at;
  }
}

/** The int at `pos` (a zigzag varint of at most 32 bits); callers read only fields a layout located. */
export function readInt(buf: Uint8Array, pos: number): number {
  return readSmall(buf, pos, cursor);
}

/** Copies source[start, end) to target at `at`; returns the end. Most spans are a few bytes, where a loop beats Buffer#copy's call. */
export function copyBytes(source: Buffer, start: number, end: number, target: Buffer, at: number): number {
  if (end - start > 48) return at + source.copy(target, at, start, end);
  while (start < end) target[at++] = source[start++]!;
  return at;
}
