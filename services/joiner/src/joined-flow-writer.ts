/**
 * Writes JoinedFlow records as bytes spliced from the halves' own Avro
 * bodies. An Avro record body is its fields one after another with no
 * framing, and every piece of a JoinedFlow is already in a FlowHalf body:
 * the half itself; `src` and `dst` are a half's (ip, port) pair followed by
 * its reporter's node, pid, process name, command line and container id,
 * the same values with a union index in front (`["null", T]`, branch 1 is
 * the byte 0x02); the Service address is the client half's server pair,
 * likewise. So a record is copies out of one or two bodies plus a few
 * constant bytes: nothing is encoded again, no object is built.
 *
 * The plan is derived from the schemas and checked when the writer is made;
 * if a schema change breaks an assumption, the writer encodes the record
 * object with avsc instead (and a test compares both byte for byte).
 */
import type { RecordCodec } from '@flowmesh/lib';
import { copyBytes, latestSchema, RecordLayout } from '@flowmesh/lib';
import type avro from 'avsc';
import type { Emission } from './emission.js';
import type { PendingHalf } from './pending-half.js';

const UNION_NULL = 0x00;
/** Branch 1 of a `["null", T]` union: zigzag varint 1. */
const UNION_SECOND = 0x02;
const JOINED_FIELDS = ['half', 'match', 'src', 'dst', 'service_ip', 'service_port'];
/** Endpoint fields after (ip, port), named as in FlowHalf; container_id has the same union type in both. */
const PROCESS_FIELDS = ['node', 'pid', 'process_name', 'cmdline'] as const;

interface SplicePlan {
  layout: RecordLayout;
  /** The enum byte of each match symbol. */
  matchByte: Map<string, number>;
  clientIp: number;
  serverIp: number;
  /** FlowHalf field positions of node, pid, process_name, cmdline (each written as a `["null", T]` union). */
  process: number[];
  containerId: number;
}

type Fields = readonly avro.types.Field[];

function fieldsOf(type: avro.Type): Fields {
  return (type as avro.types.RecordType).fields ?? [];
}

function typeOf(fields: Fields, name: string): avro.Type | undefined {
  return fields.find((f) => f.name === name)?.type;
}

/** `["null", T]` with T the same as `inner`. */
function isNullableOf(type: avro.Type | undefined, inner: avro.Type | undefined): boolean {
  const branches = (type as unknown as { types?: avro.Type[] } | undefined)?.types;
  return branches?.length === 2 && branches[0]!.typeName === 'null' && inner !== undefined && branches[1]!.equals(inner);
}

function same(a: avro.Type | undefined, b: avro.Type | undefined): boolean {
  return a !== undefined && b !== undefined && a.equals(b);
}

/** The splice plan for these schemas, or why there is none (exported for tests). */
export function planFor(joined: avro.Type, half: avro.Type): SplicePlan | string {
  try {
    return checkedPlan(joined, half);
  } catch (error) {
    return (error as Error).message; // a field the plan needs is missing (RecordLayout.field)
  }
}

function checkedPlan(joined: avro.Type, half: avro.Type): SplicePlan | string {
  const fields = fieldsOf(joined);
  if (fields.map((f) => f.name).join() !== JOINED_FIELDS.join()) return `JoinedFlow fields are ${fields.map((f) => f.name).join(',')}`;
  const halfFields = fieldsOf(half);
  const layout = RecordLayout.of(half);
  if (!layout || !same(typeOf(fields, 'half'), half)) return 'JoinedFlow.half is not the newest FlowHalf';
  const endpoint = fieldsOf(typeOf(fields, 'src')!);
  if (!same(typeOf(fields, 'dst'), typeOf(fields, 'src'))) return 'src and dst differ in type';
  if (endpoint.map((f) => f.name).join() !== ['ip', 'port', ...PROCESS_FIELDS, 'container_id'].join()) return 'Endpoint fields changed';
  const pairs: [string, string][] = [['client_ip', 'client_port'], ['server_ip', 'server_port']];
  for (const [ip, port] of pairs) {
    if (layout.field(port) !== layout.field(ip) + 1) return `FlowHalf ${ip} and ${port} are not adjacent`;
    if (!same(typeOf(endpoint, 'ip'), typeOf(halfFields, ip)) || !same(typeOf(endpoint, 'port'), typeOf(halfFields, port))) return `Endpoint ip/port differ from FlowHalf ${ip}/${port}`;
  }
  for (const name of PROCESS_FIELDS) if (!isNullableOf(typeOf(endpoint, name), typeOf(halfFields, name))) return `Endpoint.${name} is not ["null", FlowHalf.${name}]`;
  if (!same(typeOf(endpoint, 'container_id'), typeOf(halfFields, 'container_id'))) return 'Endpoint.container_id differs from FlowHalf.container_id';
  if (!isNullableOf(typeOf(fields, 'service_ip'), typeOf(halfFields, 'server_ip')) || !isNullableOf(typeOf(fields, 'service_port'), typeOf(halfFields, 'server_port'))) {
    return 'service_ip/service_port are not nullable server_ip/server_port';
  }
  const symbols = (typeOf(fields, 'match') as unknown as { symbols?: string[] }).symbols ?? [];
  if (symbols.length === 0 || symbols.length > 63) return 'match is not a small enum';
  return {
    layout,
    matchByte: new Map(symbols.map((symbol, i) => [symbol, i * 2])),
    clientIp: layout.field('client_ip'),
    serverIp: layout.field('server_ip'),
    process: PROCESS_FIELDS.map((name) => layout.field(name)),
    containerId: layout.field('container_id'),
  };
}

/** One half's body with its field offsets. */
interface Located {
  /** Whose body this is; null when it holds nothing valid. */
  entry: PendingHalf | null;
  /** The body from 0 to `at[fields]`: the half's own view, or `copy` holding a held (latin1) body. */
  bytes: Buffer;
  at: Int32Array;
  /** Where a held body is copied to be read, reused from record to record. */
  copy: Buffer;
}

export class JoinedFlowWriter {
  private readonly plan: SplicePlan | null;
  /** Why the writer encodes objects instead of splicing (null when it splices). */
  readonly fallbackReason: string | null;
  private own: Located;
  private peer: Located;
  /** The record's ends, as placed for the one being written (see placeEnds). */
  private client: Located | null = null;
  private server: Located | null = null;
  private service: Located | null = null;
  /**
   * The two records of a pair differ only in their half and its match: their
   * ends (client, server, Service) are the same bytes. The second one copies
   * them from the first (`previous` from `previousEnds` on) instead of
   * writing them again; `endsOfPrevious` says it may.
   */
  private previous: Buffer | null = null;
  private previousEnds = 0;
  private endsOfPrevious = false;

  constructor(private readonly codec: RecordCodec<'JoinedFlow'>) {
    const plan = planFor(codec.type, latestSchema('FlowHalf').type);
    this.plan = typeof plan === 'string' ? null : plan;
    this.fallbackReason = typeof plan === 'string' ? plan : null;
    const slot = (): Located => ({ entry: null, bytes: Buffer.alloc(0), at: this.plan?.layout.offsets() ?? new Int32Array(0), copy: Buffer.alloc(1024) });
    this.own = slot();
    this.peer = slot();
  }

  encode(emission: Emission): Buffer {
    try {
      return this.write(emission);
    } catch (error) {
      // A record that failed leaves nothing to reuse: the next one starts from scratch.
      this.previous = null;
      this.own.entry = null;
      this.peer.entry = null;
      throw error;
    }
  }

  private write(emission: Emission): Buffer {
    const plan = this.plan;
    this.endsOfPrevious = false;
    if (!plan || !this.locateBoth(plan, emission)) {
      this.previous = null;
      return this.codec.encode(emission.record);
    }
    this.placeEnds(emission);
    const record = this.codec.encodeSized(this.sizeOf(plan), (buffer, start) => this.splice(plan, emission, buffer, start));
    this.previous = record;
    return record;
  }

  private locateBoth(plan: SplicePlan, emission: Emission): boolean {
    const { entry, peer } = emission;
    if (peer !== null && this.own.entry === peer && this.peer.entry === entry) {
      // The two records of a pair come one after the other, ends swapped: the fields are found already.
      const swap = this.own;
      this.own = this.peer;
      this.peer = swap;
      this.endsOfPrevious = this.previous !== null;
      return true;
    }
    // The record's own half as it left (still a view into the fetch when it paired on arrival).
    return this.locate(plan, entry, emission.body, this.own) && (peer === null || this.locate(plan, peer, emission.peerBody, this.peer));
  }

  /** Finds the fields in a half's body. */
  private locate(plan: SplicePlan, entry: PendingHalf, body: Buffer | string | null, into: Located): boolean {
    if (body === null) return false;
    if (typeof body === 'string') {
      // Held bodies stay held (a matched half is kept a while as context): read from a reused copy.
      if (into.copy.length < body.length) into.copy = Buffer.alloc(Math.max(body.length, 2 * into.copy.length));
      into.copy.write(body, 0, 'latin1');
      into.bytes = into.copy;
    } else {
      into.bytes = body;
    }
    // Bodies were checked whole when decoded: the fields end where the body does.
    const found = plan.layout.locate(into.bytes, 0, into.at);
    into.entry = found ? entry : null;
    return found;
  }

  /** The ends as joinedEnds places them (tested against it through avsc), without building its object. */
  private placeEnds(emission: Emission): void {
    const peer = emission.peer ? this.peer : null;
    const ownIsClient = emission.entry.fromClient;
    this.client = ownIsClient ? this.own : peer;
    this.server = ownIsClient ? peer : this.own;
    this.service = emission.dialledService ? this.client : null;
  }

  /** The size of the record's body (see splice). */
  private sizeOf(plan: SplicePlan): number {
    const { own, client, server, service } = this;
    const ownSize = own.at[own.at.length - 1]! + 1;
    if (this.endsOfPrevious) return ownSize + this.previous!.length - this.previousEnds;
    return (
      ownSize +
      span(own, plan.clientIp, plan.clientIp + 2) +
      processSize(plan, client) +
      span(server ?? own, plan.serverIp, plan.serverIp + 2) +
      processSize(plan, server) +
      (service ? 2 + span(service, plan.serverIp, plan.serverIp + 2) : 2)
    );
  }

  private splice(plan: SplicePlan, emission: Emission, buffer: Buffer, start: number): number {
    const own = this.own;
    const body = emission.body;
    // A held body is written from its latin1 text (no view of the copy it was located in).
    let at = typeof body === 'string' ? start + buffer.write(body, start, 'latin1') : copyBytes(own.bytes, 0, own.at[own.at.length - 1]!, buffer, start);
    buffer[at++] = plan.matchByte.get(emission.match)!;
    const end = this.endsOfPrevious ? at + this.previous!.copy(buffer, at, this.previousEnds) : this.writeEnds(plan, buffer, at);
    this.previousEnds = at;
    return end;
  }

  /** The Endpoints of the record's client and server, then the Service the client dialled. */
  private writeEnds(plan: SplicePlan, buffer: Buffer, at: number): number {
    const { own, client, server, service } = this;
    at = copySpan(own, plan.clientIp, plan.clientIp + 2, buffer, at);
    at = writeProcess(plan, client, buffer, at);
    at = copySpan(server ?? own, plan.serverIp, plan.serverIp + 2, buffer, at);
    at = writeProcess(plan, server, buffer, at);
    if (!service) {
      buffer[at++] = UNION_NULL;
      buffer[at++] = UNION_NULL;
      return at;
    }
    buffer[at++] = UNION_SECOND;
    at = copySpan(service, plan.serverIp, plan.serverIp + 1, buffer, at);
    buffer[at++] = UNION_SECOND;
    return copySpan(service, plan.serverIp + 1, plan.serverIp + 2, buffer, at);
  }
}

/** Bytes of fields [from, to) of a located body. */
function span(half: Located, from: number, to: number): number {
  return half.at[to]! - half.at[from]!;
}

function copySpan(half: Located, from: number, to: number, buffer: Buffer, at: number): number {
  return copyBytes(half.bytes, half.at[from]!, half.at[to]!, buffer, at);
}

function processSize(plan: SplicePlan, reporter: Located | null): number {
  if (!reporter) return PROCESS_FIELDS.length + 1;
  let size = PROCESS_FIELDS.length + span(reporter, plan.containerId, plan.containerId + 1);
  for (const field of plan.process) size += span(reporter, field, field + 1);
  return size;
}

/** An Endpoint's process context from the half its end reported, or all nulls when nobody did. */
function writeProcess(plan: SplicePlan, reporter: Located | null, buffer: Buffer, at: number): number {
  if (!reporter) {
    buffer.fill(UNION_NULL, at, at + PROCESS_FIELDS.length + 1);
    return at + PROCESS_FIELDS.length + 1;
  }
  for (const field of plan.process) {
    buffer[at++] = UNION_SECOND;
    at = copySpan(reporter, field, field + 1, buffer, at);
  }
  return copySpan(reporter, plan.containerId, plan.containerId + 1, buffer, at);
}
