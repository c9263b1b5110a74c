/**
 * Writes EnrichedFlow records from bytes. An Avro record body is its fields
 * one after another with no framing, and an EnrichedFlow is, in order:
 * fields of the joined record (its half's window, vantage, protocol and
 * counters; its ends' addresses and process context; the dialled Service),
 * copied from the JoinedFlow body where the types are the same; and for each
 * end a run of fields that depend only on the Kubernetes object the end
 * resolved to (object, container, workload, labels), which is the same for
 * every flow of that object. That run is encoded once per object version and
 * kept beside its details (describe.ts makes one details object per cached
 * record, so both go when the cache entry does). Short values that recur
 * (zones, nodes, Service names, the cluster id) are encoded once each too. A
 * record then costs a few copies, and nothing is encoded per record but its
 * latency and the GeoIP of external ends.
 *
 * The encoded runs are written by avsc itself (record types made of the
 * EnrichedFlow's own fields), and the copied fields are checked against the
 * schemas when the writer is made: when a schema change breaks the plan, the
 * writer builds the record object and encodes it with avsc instead. A test
 * compares both, byte for byte, over a large generated corpus.
 */
import { copyBytes, latestSchema, readInt, RecordLayout, type Enrichment, type JoinedFlow, type RecordCodec } from '@flowmesh/lib';
import avro from 'avsc';
import { NO_GEO } from '../../geo/geoip.js';
import type { ObjectDetails } from '../../enrich/describe.js';
import { flowFacts, toEnrichedFlow, type FlowContext, type ResolvedEnd } from '../../enrich/to-enriched-flow.js';

/** The EnrichedFlow fields the plan writes, in schema order (`X_` once per side). */
const HEAD = [
  'timestamp', 'window_end', 'vantage', 'match', 'protocol', 'src_addr', 'src_port', 'dst_addr', 'dst_port',
  'out_bytes', 'in_bytes', 'out_pkts', 'in_pkts', 'latency_ms', 'retransmits', 'opened', 'closed', 'reporter_node',
  'service_addr', 'service_port', 'service_name', 'service_namespace',
];
const PROCESS = ['process_pid', 'process_name', 'process_cmdline', 'container_id'];
/** The run that depends only on the object an end resolved to (ObjectDetails). */
const OBJECT = ['object_name', 'object_namespace', 'object_type', 'container_name', 'workload_name', 'workload_namespace', 'workload_kind', 'labels'];
const PLACE = ['geo_country', 'geo_city', 'asn', 'asn_org'];
const POINT = ['geo_latitude', 'geo_longitude'];
const SIDE = [...PROCESS, 'node', ...OBJECT, ...PLACE, 'zone', ...POINT];
const TAIL = ['cluster_id', 'enrichment', 'synthetic'];
/** EnrichedFlow v3's fields, after TAIL: from the half's v2 fields (flowFacts), encoded per record unless all are defaults. */
const FACTS = [
  'connection_outcome', 'reset_by', 'drop_packets', 'drop_bytes', 'drop_reasons', 'tls_server_name',
  'dns_query_name', 'dns_query_type', 'dns_response_code', 'dns_latency_ms', 'dns_answers', 'dst_dns_name',
];
/** The FlowHalf v2 fields the facts come from, adjacent at the end of the half. */
const HALF_FACTS = ['connection_outcome', 'reset_by', 'drops', 'tls_server_name', 'dns'];
const ENRICHED_FIELDS = [...HEAD, ...SIDE.map((f) => `src_${f}`), ...SIDE.map((f) => `dst_${f}`), ...TAIL, ...FACTS];

/** Runs of EnrichedFlow fields copied from runs of fields of a JoinedFlow part, type for type. */
const COPIES: { from: 'half' | 'joined' | 'src' | 'dst' | 'endpoint'; source: string[]; target: string[] }[] = [
  { from: 'half', source: ['window_start', 'window_end'], target: ['timestamp', 'window_end'] },
  { from: 'half', source: ['vantage'], target: ['vantage'] },
  { from: 'joined', source: ['match'], target: ['match'] },
  { from: 'half', source: ['protocol'], target: ['protocol'] },
  { from: 'endpoint', source: ['ip', 'port'], target: ['src_addr', 'src_port'] },
  { from: 'endpoint', source: ['ip', 'port'], target: ['dst_addr', 'dst_port'] },
  { from: 'half', source: ['bytes_sent', 'bytes_received', 'packets_sent', 'packets_received'], target: ['out_bytes', 'in_bytes', 'out_pkts', 'in_pkts'] },
  { from: 'half', source: ['retransmits', 'opened', 'closed'], target: ['retransmits', 'opened', 'closed'] },
  { from: 'half', source: ['node'], target: ['reporter_node'] },
  { from: 'joined', source: ['service_ip', 'service_port'], target: ['service_addr', 'service_port'] },
  { from: 'endpoint', source: ['pid', 'process_name', 'cmdline', 'container_id'], target: PROCESS.map((f) => `src_${f}`) },
  { from: 'endpoint', source: ['pid', 'process_name', 'cmdline', 'container_id'], target: PROCESS.map((f) => `dst_${f}`) },
  { from: 'endpoint', source: ['node'], target: ['src_node'] },
  { from: 'endpoint', source: ['node'], target: ['dst_node'] },
];

/** Encodes a record of some EnrichedFlow fields (named without their side prefix): the bytes they have inside an EnrichedFlow. */
type RunType = avro.Type;

/** A JoinedFlow body in the order it is stepped over: its half, match, two ends, and the dialled Service. */
const JOINED_FIELDS = ['half', 'match', 'src', 'dst', 'service_ip', 'service_port'];

interface Plan {
  half: RecordLayout;
  /** `match` alone, and `service_ip`, `service_port`: the JoinedFlow's own fields between and after its records. */
  match: RecordLayout;
  endpoint: RecordLayout;
  service: RecordLayout;
  /** Positions, in the layouts above, of the fields the writer copies or reads. */
  at: {
    match: number; serviceIp: number;
    facts: number; windowStart: number; vantage: number; protocol: number; bytesSent: number; srtt: number; retransmits: number; closed: number; node: number; synthetic: number;
    ip: number; port: number; pid: number; endpointNode: number; containerId: number;
  };
  object: RunType;
  place: RunType;
  point: RunType;
  nullableString: RunType;
  string: RunType;
  enrichmentByte: Record<Enrichment, number>;
  /** The half's HALF_FACTS run (decoded when not all defaults) and EnrichedFlow's FACTS run. */
  halfFacts: RunType;
  facts: RunType;
  /** HALF_FACTS all at their defaults, as bytes (one 0x00 each: null branches, empty array). */
  noHalfFacts: Buffer;
  noFacts: Buffer;
}

type Fields = readonly avro.types.Field[];

function fieldsOf(type: avro.Type | undefined): Fields {
  return (type as avro.types.RecordType | undefined)?.fields ?? [];
}

function typeOf(fields: Fields, name: string): avro.Type | undefined {
  return fields.find((f) => f.name === name)?.type;
}

/** The writer's plan for these schemas, or why there is none (exported for tests). */
export function planFor(enriched: avro.Type, joined: avro.Type): Plan | string {
  try {
    return checkedPlan(enriched, joined);
  } catch (error) {
    return (error as Error).message; // a field the plan needs is missing (RecordLayout.field)
  }
}

function checkedPlan(enriched: avro.Type, joinedType: avro.Type): Plan | string {
  const fields = fieldsOf(enriched);
  if (fields.map((f) => f.name).join() !== ENRICHED_FIELDS.join()) return `EnrichedFlow fields are not the ones the writer knows (${fields.length} fields)`;
  const joinedFields = fieldsOf(joinedType);
  if (joinedFields.map((f) => f.name).join() !== JOINED_FIELDS.join()) return `JoinedFlow fields are ${joinedFields.map((f) => f.name).join(',')}`;
  const halfType = typeOf(joinedFields, 'half');
  const endpointType = typeOf(joinedFields, 'src');
  const joinedRun = runTypes(joinedType as avro.types.RecordType);
  const joined = RecordLayout.of(joinedRun(JOINED_FIELDS));
  const match = RecordLayout.of(joinedRun(['match']));
  const service = RecordLayout.of(joinedRun(['service_ip', 'service_port']));
  const half = halfType && RecordLayout.of(halfType);
  const endpoint = endpointType && RecordLayout.of(endpointType);
  if (!joined || !match || !service || !half || !endpoint) return 'JoinedFlow has fields the writer cannot step over';
  if (!endpointType.equals(typeOf(joinedFields, 'dst')!)) return 'JoinedFlow src and dst differ in type';
  const parts = { half: fieldsOf(halfType), joined: joinedFields, src: fieldsOf(endpointType), dst: fieldsOf(endpointType), endpoint: fieldsOf(endpointType) };
  const layouts = { half, joined, src: endpoint, dst: endpoint, endpoint };
  for (const copy of COPIES) {
    const first = layouts[copy.from].field(copy.source[0]!);
    for (let i = 0; i < copy.source.length; i++) {
      const name = copy.source[i]!;
      if (layouts[copy.from].field(name) !== first + i) return `${copy.source.join(',')} are not adjacent in ${copy.from}`;
      const sourceType = typeOf(parts[copy.from], name);
      const targetType = typeOf(fields, copy.target[i]!);
      if (!sourceType || !targetType || !sourceType.equals(targetType)) return `EnrichedFlow.${copy.target[i]} is not ${copy.from}.${name}'s type`;
    }
  }
  for (const name of SIDE) if (!typeOf(fields, `src_${name}`)!.equals(typeOf(fields, `dst_${name}`)!)) return `src_${name} and dst_${name} differ in type`;
  const srtt = typeOf(parts.half, 'srtt_us');
  if (!isNullable(srtt, 'int') || !isNullable(typeOf(fields, 'latency_ms'), 'double')) return 'latency_ms is not a nullable double from a nullable int srtt_us';
  if (!isNullable(typeOf(fields, 'src_node'), 'string') || !isNullable(typeOf(fields, 'service_name'), 'string') || !isNullable(typeOf(fields, 'src_zone'), 'string')) {
    return 'node, zone and Service names are not nullable strings';
  }
  if (typeOf(fields, 'cluster_id')!.typeName !== 'string') return 'cluster_id is not a string';
  if (!typeOf(parts.half, 'synthetic')!.equals(typeOf(fields, 'synthetic')!)) return 'synthetic differs in type';
  const symbols = (typeOf(fields, 'enrichment') as unknown as { symbols?: string[] }).symbols ?? [];
  if (['OK', 'PARTIAL', 'STALE'].some((s) => !symbols.includes(s)) || symbols.length > 63) return 'enrichment symbols changed';
  const run = runTypes(enriched as avro.types.RecordType);
  const halfFacts = runTypes(halfType as avro.types.RecordType)(HALF_FACTS);
  const firstFact = half.field(HALF_FACTS[0]!);
  if (HALF_FACTS.some((name, i) => half.field(name) !== firstFact + i) || firstFact + HALF_FACTS.length !== half.names.length) return 'FlowHalf facts are not its last fields';
  const facts = run(FACTS);
  const noHalfFacts = halfFacts.toBuffer(halfFacts.fromBuffer(Buffer.alloc(HALF_FACTS.length)));
  return {
    halfFacts,
    facts,
    noHalfFacts,
    noFacts: facts.toBuffer(flowFacts(halfFacts.fromBuffer(noHalfFacts) as never, null)),
    half,
    match,
    endpoint,
    service,
    at: {
      match: 0, serviceIp: 0,
      windowStart: half.field('window_start'), vantage: half.field('vantage'), protocol: half.field('protocol'), bytesSent: half.field('bytes_sent'),
      facts: firstFact, srtt: half.field('srtt_us'), retransmits: half.field('retransmits'), closed: half.field('closed'), node: half.field('node'), synthetic: half.field('synthetic'),
      ip: endpoint.field('ip'), port: endpoint.field('port'), pid: endpoint.field('pid'), endpointNode: endpoint.field('node'), containerId: endpoint.field('container_id'),
    },
    object: run(OBJECT.map((f) => `src_${f}`)),
    place: run(PLACE.map((f) => `src_${f}`)),
    point: run(POINT.map((f) => `src_${f}`)),
    nullableString: run(['src_zone']),
    string: run(['cluster_id']),
    enrichmentByte: Object.fromEntries(['OK', 'PARTIAL', 'STALE'].map((s) => [s, symbols.indexOf(s) * 2])) as Record<Enrichment, number>,
  };
}

/** `["null", T]` with T of this type name. */
function isNullable(type: avro.Type | undefined, inner: string): boolean {
  const branches = (type as unknown as { types?: avro.Type[] } | undefined)?.types;
  return branches?.length === 2 && branches[0]!.typeName === 'null' && branches[1]!.typeName === inner;
}

/** Record types of some fields of a record, named without their `src_` prefix, resolving named types (ObjectType) to the record's. */
function runTypes(record: avro.types.RecordType): (names: string[]) => RunType {
  const registry: Record<string, avro.Type> = {};
  avro.Type.forSchema(record.schema(), { registry });
  let count = 0;
  return (names) =>
    avro.Type.forSchema(
      {
        type: 'record',
        name: `flowmesh.writer.Run${count++}`,
        fields: names.map((name) => ({ name: name.replace(/^src_/, ''), type: record.field(name)!.type.schema({ noDeref: true }) as avro.Schema })),
      },
      { registry },
    );
}

/** Encoded values that recur from record to record, by value; forgotten wholesale when too many (names of a big cluster). */
class EncodedValues<V> {
  private readonly known = new Map<V, Buffer>();

  constructor(
    private readonly encode: (value: V) => Buffer,
    private readonly limit = 10_000,
  ) {}

  get(value: V): Buffer {
    let bytes = this.known.get(value);
    if (bytes === undefined) {
      if (this.known.size >= this.limit) this.known.clear();
      bytes = this.encode(value);
      this.known.set(value, bytes);
    }
    return bytes;
  }
}

const NULL = Buffer.from([0x00]);

export class EnrichedFlowWriter {
  private readonly plan: Plan | null;
  /** Why the writer encodes objects instead of splicing (null when it splices). */
  readonly fallbackReason: string | null;
  private readonly joinedType: avro.Type;
  private readonly at: { half: Int32Array; match: Int32Array; src: Int32Array; dst: Int32Array; service: Int32Array };
  /** The object run of each details object, encoded when first written (see describe.ts for their lifetime). */
  private readonly objectRuns = new WeakMap<ObjectDetails, Buffer>();
  private readonly strings: EncodedValues<string | null>;
  private readonly clusterIds: EncodedValues<string>;
  private readonly noGeo: { place: Buffer; point: Buffer };
  private readonly enrichment: Record<Enrichment, Buffer>;
  /** Where a record's body is put together (grown for huge records), then copied out behind the framing at once. */
  private scratch = Buffer.alloc(16 * 1024);
  private size = 0;
  private readonly latency = Buffer.alloc(9);
  private readonly copyOut = (buffer: Buffer, offset: number): number => offset + this.scratch.copy(buffer, offset, 0, this.size);

  constructor(private readonly codec: RecordCodec<'EnrichedFlow'>) {
    this.joinedType = latestSchema('JoinedFlow').type;
    const plan = planFor(codec.type, this.joinedType);
    this.plan = typeof plan === 'string' ? null : plan;
    this.fallbackReason = typeof plan === 'string' ? plan : null;
    const offsets = (layout: RecordLayout | undefined) => layout?.offsets() ?? new Int32Array(0);
    const p = this.plan;
    this.at = { half: offsets(p?.half), match: offsets(p?.match), src: offsets(p?.endpoint), dst: offsets(p?.endpoint), service: offsets(p?.service) };
    this.strings = new EncodedValues((value) => p!.nullableString.toBuffer({ zone: value }));
    this.clusterIds = new EncodedValues((value) => p!.string.toBuffer({ cluster_id: value }), 16);
    this.noGeo = p ? { place: p.place.toBuffer(NO_GEO), point: p.point.toBuffer(NO_GEO) } : { place: NULL, point: NULL };
    const byte = (status: Enrichment) => Buffer.from([p?.enrichmentByte[status] ?? 0]);
    this.enrichment = { OK: byte('OK'), PARTIAL: byte('PARTIAL'), STALE: byte('STALE') };
  }

  /** The framed EnrichedFlow of a JoinedFlow body (in the newest schema) and what was resolved about its ends. */
  write(joinedBody: Buffer, context: FlowContext): Buffer {
    const plan = this.plan;
    if (!plan || !this.locate(plan, joinedBody)) return this.codec.encode(toEnrichedFlow(this.joinedType.fromBuffer(joinedBody) as JoinedFlow, context));
    this.size = 0;
    this.head(plan, joinedBody, context);
    this.side(plan, joinedBody, this.at.src, context.src, context.srcZone);
    this.side(plan, joinedBody, this.at.dst, context.dst, context.dstZone);
    const { half } = this.at;
    this.add(this.clusterIds.get(context.clusterId));
    this.add(this.enrichment[context.enrichment]);
    this.copy(joinedBody, half, plan.at.synthetic, plan.at.synthetic + 1);
    this.add(this.factsOf(plan, joinedBody, context.dstDnsName ?? null));
    return this.codec.encodeSized(this.size, this.copyOut);
  }

  /** Finds the fields of the body, part after part in one pass (JOINED_FIELDS); false when it is not a JoinedFlow body. */
  private locate(plan: Plan, body: Buffer): boolean {
    const { half, match, src, dst, service } = this.at;
    return (
      plan.half.locate(body, 0, half) &&
      plan.match.locate(body, half[half.length - 1]!, match) &&
      plan.endpoint.locate(body, match[match.length - 1]!, src) &&
      plan.endpoint.locate(body, src[src.length - 1]!, dst) &&
      plan.service.locate(body, dst[dst.length - 1]!, service) &&
      service[service.length - 1] === body.length
    );
  }

  /** timestamp … service_namespace. */
  private head(plan: Plan, body: Buffer, context: FlowContext): void {
    const { half, match, src, dst, service } = this.at;
    const a = plan.at;
    this.copy(body, half, a.windowStart, a.windowStart + 2);
    this.copy(body, half, a.vantage, a.vantage + 1);
    this.copy(body, match, a.match, a.match + 1);
    this.copy(body, half, a.protocol, a.protocol + 1);
    this.copy(body, src, a.ip, a.port + 1);
    this.copy(body, dst, a.ip, a.port + 1);
    this.copy(body, half, a.bytesSent, a.bytesSent + 4);
    this.add(this.latencyOf(body, half[a.srtt]!));
    this.copy(body, half, a.retransmits, a.closed + 1);
    this.copy(body, half, a.node, a.node + 1);
    this.copy(body, service, a.serviceIp, a.serviceIp + 2);
    this.add(this.strings.get(context.service?.name ?? null));
    this.add(this.strings.get(context.service?.namespace ?? null));
  }

  /** X_process_pid … X_geo_longitude of one end, whose Endpoint fields are at `end`. */
  private side(plan: Plan, body: Buffer, end: Int32Array, resolved: ResolvedEnd, zone: string | null): void {
    const a = plan.at;
    const { details, geo } = resolved;
    this.copy(body, end, a.pid, a.containerId + 1);
    // The agent's word about the end's node, else the view's (as toEnrichedFlow does).
    if (body[end[a.endpointNode]!] !== 0x00) this.copy(body, end, a.endpointNode, a.endpointNode + 1);
    else this.add(this.strings.get(details.node));
    this.add(this.objectRun(plan, details));
    const noGeo = geo === NO_GEO;
    this.add(noGeo ? this.noGeo.place : plan.place.toBuffer(geo));
    this.add(this.strings.get(zone));
    this.add(noGeo ? this.noGeo.point : plan.point.toBuffer(geo));
  }

  private objectRun(plan: Plan, details: ObjectDetails): Buffer {
    let run = this.objectRuns.get(details);
    if (run === undefined) {
      run = plan.object.toBuffer(details);
      this.objectRuns.set(details, run);
    }
    return run;
  }

  /** connection_outcome … dst_dns_name: a constant when the half's facts are all defaults, else decoded and encoded. */
  private factsOf(plan: Plan, body: Buffer, dstDnsName: string | null): Buffer {
    const { half } = this.at;
    const start = half[plan.at.facts]!;
    const end = half[half.length - 1]!;
    if (dstDnsName === null && end - start === plan.noHalfFacts.length && body.subarray(start, end).equals(plan.noHalfFacts)) return plan.noFacts;
    const facts = plan.halfFacts.fromBuffer(body.subarray(start, end)) as Parameters<typeof flowFacts>[0];
    return plan.facts.toBuffer(flowFacts(facts, dstDnsName));
  }

  /** latency_ms: the half's srtt_us (a `["null", "int"]` at `at`) in ms, as a `["null", "double"]`. */
  private latencyOf(body: Buffer, at: number): Buffer {
    if (body[at] === 0x00) return NULL;
    this.latency[0] = 0x02;
    this.latency.writeDoubleLE(readInt(body, at + 1) / 1000, 1);
    return this.latency;
  }

  /** Fields [from, to) of a part of the body whose field offsets are `at`. */
  private copy(body: Buffer, at: Int32Array, from: number, to: number): void {
    this.piece(body, at[from]!, at[to]!);
  }

  private add(bytes: Buffer): void {
    this.piece(bytes, 0, bytes.length);
  }

  private piece(source: Buffer, start: number, end: number): void {
    if (this.size + end - start > this.scratch.length) {
      const grown = Buffer.alloc(Math.max(2 * this.scratch.length, this.size + end - start));
      this.scratch.copy(grown, 0, 0, this.size);
      this.scratch = grown;
    }
    this.size = copyBytes(source, start, end, this.scratch, this.size);
  }
}
