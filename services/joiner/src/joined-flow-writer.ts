/**
 * Writes JoinedFlow records straight to Avro bytes. An Avro record's body is
 * its fields' bodies one after another, with no framing, so a JoinedFlow is
 * the half's own body, then the match, the two endpoints and the Service
 * address. The half's body is copied as received instead of encoded again
 * (it is most of the record), and nothing is built as an object first.
 * Each piece is still written by avsc with the schema's own field types;
 * only the order of the pieces is ours, and it is checked against the
 * schema when the writer is made (and byte for byte by a test).
 */
import type { RecordCodec } from '@flowmesh/lib';
import { latestSchema } from '@flowmesh/lib';
import avro from 'avsc';
import type { Emission } from './emission.js';
import type { PendingHalf } from './pending-half.js';

const JOINED_FIELDS = ['half', 'match', 'src', 'dst', 'service_ip', 'service_port'];
const ENDPOINT_ADDRESS = ['ip', 'port'];
/** The rest of an Endpoint, named as in FlowHalf: the process context of the half that reported that end. */
const ENDPOINT_PROCESS = ['node', 'pid', 'process_name', 'cmdline', 'container_id'];

type Write = (value: unknown, buffer: Buffer, offset: number) => number;

function fieldsOf(type: avro.Type): avro.types.Field[] {
  return (type as avro.types.RecordType).fields;
}

function writerOf(type: avro.Type): Write {
  return (value, buffer, offset) => type.encode(value, buffer, offset);
}

function expectFields(what: string, fields: readonly avro.types.Field[], names: readonly string[]): void {
  const actual = fields.map((f) => f.name).join(',');
  if (actual !== names.join(',')) throw new Error(`JoinedFlowWriter: ${what} fields are ${actual}, expected ${names.join(',')}; update the writer with the schema`);
}

export class JoinedFlowWriter {
  private readonly writeHalf: Write;
  private readonly writeMatch: Write;
  private readonly writeIp: Write;
  private readonly writePort: Write;
  /** Encodes node, pid, process_name, cmdline, container_id from a FlowHalf (same names). */
  private readonly processType: avro.Type;
  private readonly writeServiceIp: Write;
  private readonly writeServicePort: Write;
  /** The process context of an end nobody reported: five nulls. */
  private readonly unknownProcess: Buffer;
  /** Whether a received FlowHalf body is a valid `half` field (same schema). */
  private readonly reuseBodies: boolean;

  constructor(private readonly codec: RecordCodec<'JoinedFlow'>) {
    const fields = fieldsOf(codec.type);
    expectFields('JoinedFlow', fields, JOINED_FIELDS);
    const [half, match, src, , serviceIp, servicePort] = fields as [avro.types.Field, avro.types.Field, avro.types.Field, avro.types.Field, avro.types.Field, avro.types.Field];
    const endpoint = fieldsOf(src.type);
    expectFields('Endpoint', endpoint, [...ENDPOINT_ADDRESS, ...ENDPOINT_PROCESS]);
    this.writeHalf = writerOf(half.type);
    this.writeMatch = writerOf(match.type);
    this.writeIp = writerOf(endpoint[0]!.type);
    this.writePort = writerOf(endpoint[1]!.type);
    // A record type of the process fields alone writes exactly their concatenation.
    const process = avro.Type.forSchema({
      type: 'record',
      name: 'EndpointProcess',
      fields: endpoint.slice(ENDPOINT_ADDRESS.length).map((f) => ({ name: f.name, type: f.type.schema() as avro.Schema })),
    });
    this.processType = process;
    this.unknownProcess = process.toBuffer(Object.fromEntries(ENDPOINT_PROCESS.map((name) => [name, null])));
    this.writeServiceIp = writerOf(serviceIp.type);
    this.writeServicePort = writerOf(servicePort.type);
    this.reuseBodies = half.type.equals(latestSchema('FlowHalf').type);
  }

  encode(emission: Emission): Buffer {
    return this.codec.encodeWith((buffer, offset) => this.writeBody(emission, buffer, offset));
  }

  /** Returns the end offset, or a negative number when `buffer` is too small (avsc's convention). */
  private writeBody(emission: Emission, buffer: Buffer, start: number): number {
    const { half, ends } = emission;
    let at = this.copyHalf(emission, buffer, start);
    if (at < 0) return at;
    at = this.writeMatch(emission.match, buffer, at);
    at = this.writeEndpoint(half.client_ip, half.client_port, ends.client, buffer, at);
    at = this.writeEndpoint(ends.dstIp, ends.dstPort, ends.server, buffer, at);
    if (at < 0) return at;
    at = this.writeServiceIp(ends.serviceHalf?.server_ip ?? null, buffer, at);
    return at < 0 ? at : this.writeServicePort(ends.serviceHalf?.server_port ?? null, buffer, at);
  }

  private copyHalf(emission: Emission, buffer: Buffer, at: number): number {
    const body = this.reuseBodies ? emission.entry.body : null;
    if (body === null) return this.writeHalf(emission.half, buffer, at);
    if (at + body.length > buffer.length) return -1;
    return at + (typeof body === 'string' ? buffer.write(body, at, 'latin1') : body.copy(buffer, at));
  }

  private writeEndpoint(ip: string, port: number, reporter: PendingHalf | null, buffer: Buffer, at: number): number {
    if (at < 0) return at;
    at = this.writeIp(ip, buffer, at);
    if (at < 0) return at;
    at = this.writePort(port, buffer, at);
    if (at < 0) return at;
    // A matched half's context goes into two records (its own and its peer's): encoded once.
    const process = reporter ? (reporter.processBytes ??= this.processType.toBuffer(reporter.half)) : this.unknownProcess;
    if (at + process.length > buffer.length) return -1;
    return at + process.copy(buffer, at);
  }
}
