/**
 * How the service reads its input: straight from each record's Avro bytes.
 * Per writer schema (records come in older versions too) it builds once a
 * RecordFields over the fields the metrics need; per record it reads the
 * counting rule's and the counters' numbers, and copies the bytes of the
 * fields the pair's labels come from into one key string. The label strings
 * themselves are built only for a key the store has not seen (FlowReading.flow,
 * a RecordProjection decode), so a record costs no string but its key.
 *
 * The key is injective per writer: each field's bytes are its Avro encoding
 * (self-delimiting: union index, length, bytes), a byte of the end's object
 * type and pod variant comes first and decides which fields follow, and the
 * writer's tag leads. So two
 * records with one key have the same labels; two keys may share labels (say
 * two pods of one workload), which the store folds into one pair.
 */
import type avro from 'avsc';
import {
  DecodeError,
  RecordFields,
  latestSchema,
  readInt,
  readLong,
  unionBranchCount,
  type DecodeResult,
  type RecordCodec,
  type RecordDecoder,
} from '@flowmesh/lib';
import { METRICS_FIELDS, metricsProjection, type MetricsField, type MetricsFlow } from './metrics-flow.js';
import type { PairLabellerSettings } from './pair-labels.js';

/**
 * A record as the byte reader gives it: what counting and the counters read,
 * and its pair's key. A plain object (one shape, built in one literal): the
 * cheapest thing to make once per record.
 */
export type FlowReading = Pick<MetricsFlow, 'vantage' | 'match' | 'synthetic' | 'out_bytes' | 'in_bytes' | 'out_pkts' | 'in_pkts' | 'latency_ms' | 'retransmits' | 'opened' | 'closed'> & {
  /** The label fields' bytes (see the file comment). */
  pairKey: string;
  /** Whether an end is external: its GeoIP details come from the decoded record. */
  external: boolean;
  /** The message, a view into the fetch buffer: decode it (reader.decode) only while its batch is handled. */
  message: Buffer;
  reader: FlowReader;
};

export function isFlowReading(input: MetricsInput): input is FlowReading {
  return (input as Partial<FlowReading>).reader !== undefined;
}

/** What flow-metrics' decoder yields: a FlowReading, or a decoded record for a writer the byte reader does not cover. */
export type MetricsInput = MetricsFlow | FlowReading;

type SideField = 'object_type' | 'object_name' | 'object_namespace' | 'node' | 'workload_name' | 'workload_namespace' | 'workload_kind' | 'geo_country' | 'geo_city' | 'asn';
const SIDE: readonly SideField[] = ['object_type', 'object_name', 'object_namespace', 'node', 'workload_name', 'workload_namespace', 'workload_kind', 'geo_country', 'geo_city', 'asn'];

/** The fields read, by position in RecordFields: those of a MetricsFlow (a few are only located, never read). */
const WANTED: readonly MetricsField[] = METRICS_FIELDS;
function at(name: MetricsField): number {
  const index = WANTED.indexOf(name);
  if (index < 0) throw new Error(`${name} is not a metrics field`);
  return index;
}

const VANTAGE = at('vantage');
const MATCH = at('match');
const PROTOCOL = at('protocol');
const DST_PORT = at('dst_port');
const VOLUMES = [at('out_bytes'), at('in_bytes'), at('out_pkts'), at('in_pkts')] as const;
const LATENCY = at('latency_ms');
const RETRANSMITS = at('retransmits');
const OPENED = at('opened');
const CLOSED = at('closed');
const SYNTHETIC = at('synthetic');
const SERVICE_ADDR = at('service_addr');
const SERVICE_NAME = at('service_name');
const SRC_ZONE = at('src_zone');
const DST_ZONE = at('dst_zone');

type Side = Record<SideField, number>;
const sideAt = (side: 'src' | 'dst'): Side => Object.fromEntries(SIDE.map((field) => [field, at(`${side}_${field}` as MetricsField)])) as Side;
const SRC = sideAt('src');
const DST = sideAt('dst');

/** What decides an end's labels (see PairLabeller.pushEnd), by object type. */
const POD = 0;
const SERVICE = 1;
const NODE = 2;
const EXTERNAL = 3;
const UNKNOWN = 4;
const END_KINDS: Record<string, number> = { pod: POD, service: SERVICE, node: NODE, external: EXTERNAL, unknown: UNKNOWN };

/** Stands for a field the writer did not have: keys are per writer (its tag leads), and a writer has a field in all its records or in none. */
const ABSENT = 0xff;

/** One writer schema's way through its bodies, built on its first record. */
class WriterPlan {
  readonly fields: RecordFields;
  /** Per wanted field: the union's null branch, -1 when the field is not a union (or absent). */
  readonly nullBranch: Int32Array;
  /** Per wanted field the reader's default, for a field the writer did not have. */
  readonly defaults: readonly unknown[];
  readonly vantages: readonly MetricsFlow['vantage'][];
  readonly matches: readonly MetricsFlow['match'][];
  /** The end kind of each ObjectType index of this writer. */
  readonly endKinds: Int32Array;
  /** The spans an end's key is copied from, by endSpanAt(side, kind, pod variant); set by the reader. */
  endSpans: Int32Array[] = [];

  constructor(
    fields: RecordFields,
    readonly tag: number,
    readonly description: string,
  ) {
    this.fields = fields;
    this.nullBranch = Int32Array.from(fields.types, (type) => (type && unionBranchCount(type) ? (type as unknown as { types: avro.Type[] }).types.findIndex((branch) => branch.typeName === 'null') : -1));
    const reader = latestSchema('EnrichedFlow').type as avro.types.RecordType;
    this.defaults = WANTED.map((name) => reader.field(name)!.defaultValue());
    const symbols = (i: number) => (fields.types[i] as avro.types.EnumType).symbols;
    this.vantages = symbols(VANTAGE) as MetricsFlow['vantage'][];
    this.matches = symbols(MATCH) as MetricsFlow['match'][];
    const objectTypes = fields.types[SRC.object_type] ?? (reader.field('src_object_type')!.type as avro.types.EnumType);
    this.endKinds = Int32Array.from((objectTypes as avro.types.EnumType).symbols, (symbol) => END_KINDS[symbol] ?? UNKNOWN);
  }

  /**
   * The plan for `writer`, or null when the byte reader does not cover it:
   * every field it reads must have the newest schema's type (or be absent
   * with a default); anything else is left to avsc's resolution.
   */
  static of(writer: avro.Type, tag: number, description: string): WriterPlan | null {
    const fields = RecordFields.of(writer, WANTED);
    if (!fields) return null;
    const reader = latestSchema('EnrichedFlow').type as avro.types.RecordType;
    const same = WANTED.every((name, i) => {
      const type = fields.types[i];
      const field = reader.field(name);
      if (!field) return false;
      if (!type) return field.defaultValue() !== undefined && i !== VANTAGE && i !== MATCH;
      return type.equals(field.type) && (!unionBranchCount(type) || unionBranchCount(type) < 64);
    });
    return same ? new WriterPlan(fields, tag, description) : null;
  }

  /**
   * The fields as spans of the body to copy: fields next to each other in the
   * writer's order merge into one [first, last] pair; an absent field is a span
   * of its own (copied as ABSENT).
   */
  spans(wanted: readonly number[]): Int32Array {
    const sorted = [...wanted].sort((a, b) => this.fields.writerIndex(a) - this.fields.writerIndex(b));
    const spans: number[] = [];
    for (const field of sorted) {
      const index = this.fields.writerIndex(field);
      const last = spans.length ? spans[spans.length - 1]! : -1;
      // Only present fields merge: an absent one (writer index -1) is a span of its own even before index 0.
      if (index >= 0 && last >= 0 && this.fields.writerIndex(last) >= 0 && this.fields.writerIndex(last) === index - 1) spans[spans.length - 1] = field;
      else spans.push(field, field);
    }
    return Int32Array.from(spans);
  }
}

const END_KIND_COUNT = 5;
/** Which optional fields a pod's labels read: its own name (POD_NAME), its namespace when the workload's is null (POD_NAMESPACE). */
const POD_NAME = 1;
const POD_NAMESPACE = 2;
const POD_VARIANTS = 4;
const endSpanAt = (side: number, kind: number, podVariant: number): number => (side * END_KIND_COUNT + kind) * POD_VARIANTS + podVariant;

export class FlowReader implements RecordDecoder<MetricsInput> {
  private readonly projection: ReturnType<typeof metricsProjection>;
  private readonly plans = new Map<avro.Type, WriterPlan | null>();
  private readonly portClasses: Set<number>;
  private key = Buffer.allocUnsafe(1024);
  private keyLength = 0;

  constructor(
    private readonly codec: RecordCodec<'EnrichedFlow'>,
    private readonly settings: PairLabellerSettings,
  ) {
    this.projection = metricsProjection(codec);
    this.portClasses = new Set(settings.portClasses.map(Number));
  }

  decodeBatch(messages: readonly (Buffer | null)[]): Promise<DecodeResult<MetricsInput>[]> {
    return this.codec.decodeBatchWith(messages, (message) => ({ value: this.read(message), body: null }));
  }

  /** One message: a FlowReading from its bytes, or the decoded record when its writer is not covered. */
  read(message: Buffer): MetricsInput {
    const { writer, description, bodyOffset } = this.codec.writerOfMessage(message);
    const plan = this.planFor(writer, description);
    return plan ? this.readBytes(message, bodyOffset, plan) : this.decode(message);
  }

  /** Every field the metrics know, decoded by avsc: for a key's first record, for external ends, and for writers the byte reader does not cover. */
  decode(message: Buffer): MetricsFlow {
    return this.projection.decode(message).value;
  }

  private planFor(writer: avro.Type, description: string): WriterPlan | null {
    let plan = this.plans.get(writer);
    if (plan === undefined) {
      plan = WriterPlan.of(writer, this.plans.size, description);
      if (plan) plan.endSpans = this.endSpansOf(plan);
      this.plans.set(writer, plan);
    }
    return plan;
  }

  /** Every end's spans for `plan`, at endSpanAt. */
  private endSpansOf(plan: WriterPlan): Int32Array[] {
    const spans: Int32Array[] = [];
    [SRC, DST].forEach((side, sideIndex) => {
      for (let kind = 0; kind < END_KIND_COUNT; kind++) {
        for (let variant = 0; variant < POD_VARIANTS; variant++) spans[endSpanAt(sideIndex, kind, variant)] = plan.spans(this.endFields(side, kind, variant));
      }
    });
    return spans;
  }

  /** The fields an end's labels come from (see PairLabeller.pushEnd), a superset where that is cheaper and bounded. */
  private endFields(side: Side, kind: number, podVariant: number): number[] {
    const { granularity, externalGrouping } = this.settings;
    switch (kind) {
      case POD:
        return [
          side.workload_namespace,
          side.workload_kind,
          ...(granularity !== 'namespace' ? [side.workload_name] : []),
          ...(podVariant & POD_NAMESPACE ? [side.object_namespace] : []),
          ...(podVariant & POD_NAME ? [side.object_name] : []),
        ];
      case NODE:
        return [side.node, side.object_name];
      case SERVICE:
        return [side.object_namespace, side.object_name];
      case EXTERNAL:
        return [...(externalGrouping === 'asn' ? [side.asn] : []), side.geo_country, ...(externalGrouping === 'city' ? [side.geo_city] : [])];
      default:
        return [];
    }
  }

  private readBytes(message: Buffer, bodyOffset: number, plan: WriterPlan): FlowReading {
    const { fields } = plan;
    const end = fields.locate(message, bodyOffset);
    if (end < 0) throw new DecodeError('malformed-body', `body does not parse as ${plan.description}`);
    if (end !== message.length) throw new DecodeError('trailing-bytes', `${message.length - end} bytes left after the ${plan.description} body`);
    const src = this.endKind(message, plan, SRC.object_type);
    const dst = this.endKind(message, plan, DST.object_type);
    return {
      vantage: this.symbol(message, plan, VANTAGE, plan.vantages),
      match: this.symbol(message, plan, MATCH, plan.matches),
      synthetic: this.boolean(message, plan, SYNTHETIC),
      out_bytes: this.long(message, plan, VOLUMES[0]),
      in_bytes: this.long(message, plan, VOLUMES[1]),
      out_pkts: this.long(message, plan, VOLUMES[2]),
      in_pkts: this.long(message, plan, VOLUMES[3]),
      // A union's value starts after its one-byte branch index.
      latency_ms: this.isNull(message, plan, LATENCY) ? null : message.readDoubleLE(fields.start(LATENCY) + 1),
      retransmits: this.isNull(message, plan, RETRANSMITS) ? null : readInt(message, fields.start(RETRANSMITS) + 1),
      opened: this.boolean(message, plan, OPENED),
      closed: this.boolean(message, plan, CLOSED),
      pairKey: this.pairKey(message, plan, src, dst),
      external: src === EXTERNAL || dst === EXTERNAL,
      message,
      reader: this,
    };
  }

  /** The key of the pair's labels: the bytes of what PairLabeller.values reads, in one latin1 string. */
  private pairKey(message: Buffer, plan: WriterPlan, src: number, dst: number): string {
    // A key holds each body byte at most once, plus its own few bytes and a marker per absent field.
    if (this.key.length < message.length + 64) this.key = Buffer.allocUnsafe(2 * message.length + 64);
    this.keyLength = 0;
    this.pushByte(plan.tag & 0xff);
    this.pushByte(plan.tag >>> 8);
    this.pushField(message, plan, PROTOCOL);
    const port = readInt(message, plan.fields.start(DST_PORT));
    const portClass = this.portClasses.has(port) ? port : 0x1ffff;
    this.pushByte(portClass & 0xff);
    this.pushByte((portClass >>> 8) & 0xff);
    this.pushByte(portClass >>> 16);
    // The Service's name counts only when the client dialled one (service_addr set).
    if (this.isNull(message, plan, SERVICE_ADDR)) this.pushByte(0);
    else {
      this.pushByte(1);
      this.pushField(message, plan, SERVICE_NAME);
    }
    this.pushField(message, plan, SRC_ZONE);
    this.pushField(message, plan, DST_ZONE);
    this.pushEnd(message, plan, 0, SRC, src);
    this.pushEnd(message, plan, 1, DST, dst);
    return this.key.toString('latin1', 0, this.keyLength);
  }

  /**
   * An end's kind and variant, then the bytes its labels come from. The leading byte
   * fixes exactly which fields follow (the variant depends on fields that come after
   * the copied ones in the writer's order), so the key reads back one way only.
   */
  private pushEnd(message: Buffer, plan: WriterPlan, sideIndex: number, side: Side, kind: number): void {
    const { granularity } = this.settings;
    let podVariant = 0;
    if (kind === POD) {
      // The pod's name is a label at pod granularity, and the workload's name when it has none; its namespace when the workload's is null.
      if (granularity === 'pod' || (granularity === 'workload' && this.isNull(message, plan, side.workload_name))) podVariant |= POD_NAME;
      if (this.isNull(message, plan, side.workload_namespace)) podVariant |= POD_NAMESPACE;
    }
    this.pushByte(kind | (podVariant << 3));
    const spans = plan.endSpans[endSpanAt(sideIndex, kind, podVariant)]!;
    const key = this.key;
    let length = this.keyLength;
    for (let i = 0; i < spans.length; i += 2) {
      const start = plan.fields.start(spans[i]!);
      if (start < 0) {
        key[length++] = ABSENT;
        continue;
      }
      const end = plan.fields.end(spans[i + 1]!);
      for (let at = start; at < end; at++) key[length++] = message[at]!;
    }
    this.keyLength = length;
  }

  private pushField(message: Buffer, plan: WriterPlan, field: number): void {
    const start = plan.fields.start(field);
    if (start < 0) return this.pushByte(ABSENT);
    const end = plan.fields.end(field);
    const key = this.key;
    let length = this.keyLength;
    for (let i = start; i < end; i++) key[length++] = message[i]!;
    this.keyLength = length;
  }

  private pushByte(byte: number): void {
    this.key[this.keyLength++] = byte;
  }

  private isNull(message: Buffer, plan: WriterPlan, field: number): boolean {
    const start = plan.fields.start(field);
    return start < 0 ? plan.defaults[field] === null : readInt(message, start) === plan.nullBranch[field];
  }

  private boolean(message: Buffer, plan: WriterPlan, field: number): boolean {
    const start = plan.fields.start(field);
    return start < 0 ? plan.defaults[field] === true : message[start] !== 0;
  }

  private long(message: Buffer, plan: WriterPlan, field: number): number {
    const value = readLong(message, plan.fields.start(field));
    if (!Number.isSafeInteger(value)) throw new DecodeError('malformed-body', `${WANTED[field]} does not fit a number exactly (potential precision loss)`);
    return value;
  }

  private symbol<S>(message: Buffer, plan: WriterPlan, field: number, symbols: readonly S[]): S {
    const symbol = symbols[readInt(message, plan.fields.start(field))];
    if (symbol === undefined) throw new DecodeError('malformed-body', `${WANTED[field]} is not a symbol of ${plan.description}`);
    return symbol;
  }

  private endKind(message: Buffer, plan: WriterPlan, field: number): number {
    const start = plan.fields.start(field);
    if (start < 0) return UNKNOWN;
    const kind = plan.endKinds[readInt(message, start)];
    if (kind === undefined) throw new DecodeError('malformed-body', `${WANTED[field]} is not a symbol of ${plan.description}`);
    return kind;
  }
}
