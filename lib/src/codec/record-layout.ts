/**
 * Where each field of an Avro record body starts. Avro writes a record as
 * its fields one after another with no framing, so finding a field means
 * stepping over the ones before it: varints for int/long/enum, a length and
 * bytes for string/bytes, an index and a branch for a union. The steps are
 * built once from the avsc type. Arrays and maps are stepped over block by
 * block (FlowHalf v2's drops, EnrichedFlow's labels); `collections: false`
 * refuses them, for a caller that must not meet one. For stages that write
 * their output from their input's bytes (joiner, enricher) or read a few
 * fields (flow-metrics).
 */
import type avro from 'avsc';

/** Steps over one value at `pos` in `buf`; returns the position after it, or -1 when the bytes end first. */
type Skip = (buf: Uint8Array, pos: number) => number;

/** Reads a zigzag varint (a length, union index or int: 32 bits at most) at `pos`; -1 when malformed. */
function readSmall(buf: Uint8Array, pos: number, out: { pos: number }): number {
  const value = readSigned(buf, pos, out);
  return Number.isNaN(value) ? -1 : value;
}

/** The same, for a value that may be negative (a block count); NaN when malformed. */
function readSigned(buf: Uint8Array, pos: number, out: { pos: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length || shift > 28) return Number.NaN;
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

/** What a layout steps over besides the fixed-shape types. */
export interface LayoutOptions {
  /** Arrays and maps too (block-counted); on by default, since FlowHalf v2 has an array the splicing stages copy. */
  collections?: boolean;
}

/**
 * Steps over an array or map: blocks of `count` items, a negative count
 * followed by the block's size in bytes (skipped at once), a zero count at the end.
 */
function blockSkipper(item: Skip): Skip {
  return (buf, pos) => {
    for (;;) {
      const count = readSigned(buf, pos, cursor);
      if (Number.isNaN(count)) return -1;
      pos = cursor.pos;
      if (count === 0) return pos;
      if (count < 0) {
        const size = readSigned(buf, pos, cursor);
        if (!(size >= 0)) return -1;
        pos = cursor.pos + size;
        if (pos > buf.length) return -1;
        continue;
      }
      for (let i = 0; i < count; i++) if ((pos = item(buf, pos)) < 0) return -1;
    }
  };
}

function skipperFor(type: avro.Type, options: LayoutOptions): Skip | null {
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
      const branches = (type as unknown as { types: avro.Type[] }).types.map((branch) => skipperFor(branch, options));
      if (branches.some((b) => b === null)) return null;
      return (buf, pos) => {
        const index = readSmall(buf, pos, cursor);
        const branch = branches[index];
        return branch ? branch(buf, cursor.pos) : -1;
      };
    }
    case 'record':
    case 'error': {
      const fields = (type as avro.types.RecordType).fields.map((f) => skipperFor(f.type, options));
      if (fields.some((f) => f === null)) return null;
      return (buf, pos) => {
        for (const skip of fields) if ((pos = skip!(buf, pos)) < 0) return -1;
        return pos;
      };
    }
    case 'array': {
      if (options.collections === false) return null;
      const items = skipperFor((type as avro.types.ArrayType).itemsType, options);
      return items && blockSkipper(items);
    }
    case 'map': {
      if (options.collections === false) return null;
      const values = skipperFor((type as avro.types.MapType).valuesType, options);
      return values && blockSkipper((buf, pos) => ((pos = skipSized(buf, pos)) < 0 ? -1 : values(buf, pos)));
    }
    default:
      return null;
  }
}

/** Steps over a map of strings (or bytes): the labels maps, called from `locate` directly. */
const skipSizedMap = blockSkipper((buf, pos) => ((pos = skipSized(buf, pos)) < 0 ? -1 : skipSized(buf, pos)));

/** How `locate` steps over a field: the common kinds inline, the rest through its Skip. */
const VARINT = 0;
const SIZED = 1;
const OTHER = 2;
/** A union of null and a varint or sized type (the optional fields), in either order: its index byte says which. */
const OPTIONAL_VARINT = 3;
const OPTIONAL_SIZED = 4;
const OPTIONAL_DOUBLE = 5;
const BOOLEAN = 6;
/** A map of strings or bytes (labels). */
const SIZED_MAP = 7;

function plainKind(type: avro.Type): number {
  if (['int', 'long', 'enum'].includes(type.typeName)) return VARINT;
  if (['string', 'bytes'].includes(type.typeName)) return SIZED;
  if (type.typeName === 'double') return OPTIONAL_DOUBLE;
  return OTHER;
}

/** A field's kind, and for an optional one the index byte (zigzag: twice the branch) of its null branch. */
function kindOf(type: avro.Type): { kind: number; nullByte: number } {
  if (type.typeName === 'boolean') return { kind: BOOLEAN, nullByte: 0 };
  if (type.typeName === 'map' && plainKind((type as avro.types.MapType).valuesType) === SIZED) return { kind: SIZED_MAP, nullByte: 0 };
  const branches = type.typeName.startsWith('union') ? (type as unknown as { types: avro.Type[] }).types : null;
  if (!branches) {
    const kind = plainKind(type);
    return { kind: kind === OPTIONAL_DOUBLE ? OTHER : kind, nullByte: 0 };
  }
  const nullAt = branches.findIndex((branch) => branch.typeName === 'null');
  if (branches.length !== 2 || nullAt < 0) return { kind: OTHER, nullByte: 0 };
  const value = plainKind(branches[1 - nullAt]!);
  const kind = value === VARINT ? OPTIONAL_VARINT : value === SIZED ? OPTIONAL_SIZED : value === OPTIONAL_DOUBLE ? OPTIONAL_DOUBLE : OTHER;
  return { kind, nullByte: nullAt * 2 };
}

/** Fills each field's start and the body's end into `offsets`; false when the bytes are not such a record. */
type Walk = (buf: Uint8Array, start: number, offsets: Int32Array) => boolean;

/** Steps over a varint of at most 10 bytes (as skipVarint). */
const VARINT_CODE = 'limit = pos + 9; while (buf[pos] & 0x80) if (++pos > limit) return false; pos++;';
/** Steps over a length (a zigzag varint of 32 bits at most, not negative) and that many bytes (as skipSized). */
const SIZED_CODE =
  'byte = buf[pos++]; length = byte & 0x7f; for (shift = 7; byte & 0x80; shift += 7) { if (shift > 28) return false; byte = buf[pos++]; length |= (byte & 0x7f) << shift; } ' +
  'length = (length >>> 1) ^ -(length & 1); if (length < 0) return false; pos += length;';

/**
 * Compiles the walk over a record's fields into one function of straight-line
 * code, a statement or two per field (avsc compiles its readers the same way):
 * a few times faster than a loop that dispatches on each field's kind, which
 * matters on records of sixty-odd fields. A read past the end yields undefined,
 * which ends a varint, is no union index, and only moves `pos` further on, so
 * one bound check at the end catches a cut body; skips check their own.
 */
function compileWalk(kinds: readonly { kind: number; nullByte: number }[], skips: readonly Skip[]): Walk {
  const fieldCode = ({ kind, nullByte }: { kind: number; nullByte: number }, i: number): string => {
    const optional = (value: string) => `index = buf[pos]; if (index === ${nullByte}) pos++; else if (index === ${2 - nullByte}) { pos++; ${value} } else return false;`;
    switch (kind) {
      case VARINT:
        return VARINT_CODE;
      case SIZED:
        return SIZED_CODE;
      case BOOLEAN:
        return 'pos++;';
      case OPTIONAL_VARINT:
        return optional(VARINT_CODE);
      case OPTIONAL_SIZED:
        return optional(SIZED_CODE);
      case OPTIONAL_DOUBLE:
        return optional('pos += 8;');
      case SIZED_MAP:
        return 'pos = skipSizedMap(buf, pos); if (pos < 0) return false;';
      default:
        return `pos = skips[${i}](buf, pos); if (pos < 0) return false;`;
    }
  };
  const body = [
    'let pos = start, limit = 0, byte = 0, length = 0, shift = 0, index = 0;',
    ...kinds.map((kind, i) => `offsets[${i}] = pos; ${fieldCode(kind, i)}`),
    `offsets[${kinds.length}] = pos;`,
    'return pos <= buf.length;',
  ];
  // The code comes from the schema's field kinds only, never from data.
  const factory = new Function('skips', 'skipSizedMap', `return function walk(buf, start, offsets) {\n${body.join('\n')}\n};`) as (skips: readonly Skip[], skipSizedMap: Skip) => Walk;
  return factory(skips, skipSizedMap);
}

export class RecordLayout {
  /** Field names, in body order. */
  readonly names: readonly string[];
  private readonly walk: Walk;

  private constructor(
    type: avro.types.RecordType,
    private readonly skips: readonly Skip[],
  ) {
    this.names = type.fields.map((f) => f.name);
    this.walk = compileWalk(type.fields.map((f) => kindOf(f.type)), skips);
  }

  /** The layout of a record type; null when it has a field type we do not step over. */
  static of(type: avro.Type, options: LayoutOptions = {}): RecordLayout | null {
    if (type.typeName !== 'record') return null;
    const record = type as avro.types.RecordType;
    const skips = record.fields.map((f) => skipperFor(f.type, options));
    return skips.every((s) => s !== null) ? new RecordLayout(record, skips as Skip[]) : null;
  }

  /** A buffer for `locate`: each field's start, then the end of the body. */
  offsets(): Int32Array {
    return new Int32Array(this.skips.length + 1);
  }

  /** Fills `offsets` for the body at `start` of `buf`; false when the bytes are not such a record. */
  locate(buf: Uint8Array, start: number, offsets: Int32Array): boolean {
    return this.walk(buf, start, offsets);
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
