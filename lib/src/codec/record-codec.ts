/**
 * Encodes and decodes one flowmesh record type. Writes Confluent framing when
 * a schema registry is configured, Avro single-object encoding otherwise;
 * reads both, resolving older (or registry-held) writer schemas into the
 * newest reader schema. Anything else is rejected with a DecodeError that
 * says why.
 */
import avro from 'avsc';
import { allSchemas, latestSchema, type SchemaVersion } from '../schema/catalog.js';
import type { RecordName, RecordTypes } from '../schema/types.js';
import { DecodeError, SchemaRegistryError, type DecodeFailure } from './errors.js';
import { confluentHeader, fingerprintHex, readFraming, singleObjectHeader } from './framing.js';
import type { SchemaRegistryClient } from './schema-registry.js';

/**
 * `body` is the record's Avro body in the newest schema, for a stage that
 * copies those bytes instead of encoding the value again: given by a
 * projection (RecordProjection), null from a whole-record decode.
 */
export type DecodeResult<T> = { ok: true; value: T; body: Buffer | null } | { ok: false; error: DecodeError };

/** What the shared consumer loop decodes input with: a codec, or a projection of one. */
export interface RecordDecoder<T> {
  decodeBatch(messages: readonly (Buffer | null)[]): Promise<DecodeResult<T>[]>;
}

export interface RecordCodecOptions {
  /** When set, write Confluent framing and register the schema under `<topic>-value`. */
  registry?: SchemaRegistryClient;
  /** Topic the codec writes to; names the registry subject (TopicNameStrategy). */
  topic?: string;
}

/** How to turn a body written with some schema into the reader's type. */
interface WriterEntry {
  description: string;
  /** The schema the body was written with (absent on entries that only carry an error). */
  writer?: avro.Type;
  resolver: avro.Resolver | null;
  /** Set when bodies written with this schema cannot be read: why, and the reason code. */
  error?: string;
  failure?: DecodeFailure;
}

export class RecordCodec<N extends RecordName> implements RecordDecoder<RecordTypes[N]> {
  private readonly reader: SchemaVersion;
  /** Writer schemas by the low 32 bits of their fingerprint (see fingerprinted), then the high 32. */
  private readonly byFingerprint = new Map<number, { high: number; entry: WriterEntry }[]>();
  private readonly bySchemaId = new Map<number, WriterEntry>();
  private header: Buffer;
  private scratch = Buffer.alloc(16 * 1024);

  private constructor(
    readonly recordName: N,
    private readonly options: RecordCodecOptions,
  ) {
    this.reader = latestSchema(recordName);
    this.header = singleObjectHeader(this.reader.fingerprint);
    this.header.copy(this.scratch);
    for (const writer of allSchemas()) {
      const low = writer.fingerprint.readUInt32LE(0);
      const sharing = this.byFingerprint.get(low) ?? [];
      sharing.push({ high: writer.fingerprint.readUInt32LE(4), entry: this.writerEntry(writer.type, `${writer.name} v${writer.version}`) });
      this.byFingerprint.set(low, sharing);
    }
  }

  /** Builds a codec; with a registry, registers the writer schema first (so encode stays synchronous). */
  static async create<N extends RecordName>(recordName: N, options: RecordCodecOptions = {}): Promise<RecordCodec<N>> {
    const codec = new RecordCodec(recordName, options);
    if (options.registry) {
      const subject = `${options.topic ?? recordName}-value`;
      const id = await options.registry.register(subject, codec.reader.json);
      codec.setHeader(confluentHeader(id));
      codec.bySchemaId.set(id, { description: `${recordName} v${codec.reader.version} (id ${id})`, writer: codec.reader.type, resolver: null });
    }
    return codec;
  }

  private setHeader(header: Buffer): void {
    this.header = header;
    this.scratch.fill(0, 0, 16);
    header.copy(this.scratch);
  }

  /** A codec without registry, usable synchronously (single-object encoding). */
  static local<N extends RecordName>(recordName: N): RecordCodec<N> {
    return new RecordCodec(recordName, {});
  }

  get framing(): 'confluent' | 'single-object' {
    return this.options.registry ? 'confluent' : 'single-object';
  }

  /** The newest schema's Avro type: what this codec writes, and reads into. */
  get type(): avro.Type {
    return this.reader.type;
  }

  /**
   * Encodes into a reusable scratch buffer behind the header (doubled when
   * avsc says it is too small) and copies the framed bytes out once.
   */
  encode(value: RecordTypes[N]): Buffer {
    for (;;) {
      const end = this.reader.type.encode(value, this.scratch, this.header.length);
      if (end >= 0) {
        const out = Buffer.allocUnsafe(end);
        this.scratch.copy(out, 0, 0, end);
        return out;
      }
      this.scratch = Buffer.alloc(this.scratch.length * 2);
      this.header.copy(this.scratch);
    }
  }

  /**
   * Frames a body of exactly `bodySize` bytes that `writeBody` writes at
   * `offset` into the output buffer, returning the end offset: for a writer
   * that knows the size first, written in place with no scratch copy.
   */
  encodeSized(bodySize: number, writeBody: (buffer: Buffer, offset: number) => number): Buffer {
    const header = this.header;
    const out = Buffer.allocUnsafe(header.length + bodySize);
    for (let i = 0; i < header.length; i++) out[i] = header[i]!;
    const end = writeBody(out, header.length);
    if (end !== out.length) throw new Error(`${this.recordName}: wrote ${end - header.length} bytes of a ${bodySize}-byte body`);
    return out;
  }

  /** Frames a body already in the newest schema (a copy behind this codec's header). */
  frame(body: Buffer): Buffer {
    return this.encodeSized(body.length, (buffer, offset) => offset + body.copy(buffer, offset));
  }

  /** Decodes synchronously; a Confluent id not seen before fails with `unknown-schema-id` (use decodeBatch). */
  decode(message: Buffer): RecordTypes[N] {
    const { entry, bodyOffset } = this.writerOf(message);
    return this.readBody(message, bodyOffset, entry);
  }

  /**
   * The message's body in the newest schema, for a reader that takes it from
   * there (see RecordProjection): a view into the message when written with
   * it, else decoded (checked) and written again.
   */
  newestBody(message: Buffer): { body: Buffer; writer: string } {
    const { entry, bodyOffset } = this.writerOf(message);
    const body = entry.resolver ? this.reader.type.toBuffer(this.readBody(message, bodyOffset, entry)) : message.subarray(bodyOffset);
    return { body, writer: entry.description };
  }

  /**
   * The schema the message was written with and where its body starts, for a
   * reader of the bytes themselves (see RecordFields); a Confluent id must be
   * known already (call it inside decodeBatchWith). Throws the DecodeError a
   * decode would for an unknown or unreadable writer.
   */
  writerOfMessage(message: Buffer): { writer: avro.Type; description: string; bodyOffset: number } {
    const { entry, bodyOffset } = this.writerOf(message);
    return { writer: entry.writer ?? this.reader.type, description: entry.description, bodyOffset };
  }

  /**
   * Decodes many messages, first fetching unknown Confluent schema ids from
   * the registry. Whole records come without their body (nobody splices from
   * them; a projection keeps it, see RecordProjection).
   */
  decodeBatch(messages: readonly (Buffer | null)[]): Promise<DecodeResult<RecordTypes[N]>[]> {
    return this.decodeBatchWith(messages, (message) => ({ value: this.decode(message), body: null }));
  }

  /** Like decodeBatch, with another decoding of each message (a projection's). */
  async decodeBatchWith<T>(messages: readonly (Buffer | null)[], decode: (message: Buffer) => { value: T; body: Buffer | null }): Promise<DecodeResult<T>[]> {
    await this.resolveSchemaIds(messages);
    return messages.map((message) => {
      try {
        if (!message) throw new DecodeError('empty', 'message has no value (tombstone)');
        const { value, body } = decode(message);
        return { ok: true, value, body };
      } catch (error) {
        return { ok: false, error: asDecodeError(error) };
      }
    });
  }

  /** How to read the message's body: its writer schema, found by the framing's fingerprint or schema id. */
  private writerOf(message: Buffer): { entry: WriterEntry; bodyOffset: number } {
    const framing = readFraming(message);
    const entry =
      framing.kind === 'single-object'
        ? this.fingerprinted(framing.fingerprintLow, framing.fingerprintHigh)
        : this.bySchemaId.get(framing.schemaId);
    if (!entry) {
      throw framing.kind === 'single-object'
        ? new DecodeError('unknown-fingerprint', `schema fingerprint ${fingerprintHex(framing.fingerprintLow, framing.fingerprintHigh)} is not a known flowmesh schema`)
        : new DecodeError('unknown-schema-id', `schema id ${framing.schemaId} not resolved`);
    }
    if (entry.error) throw new DecodeError(entry.failure ?? 'incompatible-schema', entry.error);
    return { entry, bodyOffset: framing.bodyOffset };
  }

  /** The writer schema with this fingerprint, if known. */
  private fingerprinted(low: number, high: number): WriterEntry | undefined {
    const sharing = this.byFingerprint.get(low);
    if (sharing) for (const candidate of sharing) if (candidate.high === high) return candidate.entry;
    return undefined;
  }

  private async resolveSchemaIds(messages: readonly (Buffer | null)[]): Promise<void> {
    const missing = new Set<number>();
    for (const message of messages) {
      if (message && message.length >= 5 && message[0] === 0x00) {
        const id = message.readUInt32BE(1);
        if (!this.bySchemaId.has(id)) missing.add(id);
      }
    }
    for (const id of missing) {
      const registry = this.options.registry;
      if (!registry) {
        this.bySchemaId.set(id, { description: `id ${id}`, resolver: null, failure: 'unknown-schema-id', error: `Confluent schema id ${id} but no schema registry is configured` });
        continue;
      }
      try {
        const text = await registry.schemaById(id);
        this.bySchemaId.set(id, this.writerEntry(avro.Type.forSchema(JSON.parse(text) as avro.Schema), `registry id ${id}`));
      } catch (error) {
        // A transient registry failure must not be cached as a permanent verdict.
        if (error instanceof SchemaRegistryError && error.retriable) throw error;
        this.bySchemaId.set(id, { description: `id ${id}`, resolver: null, failure: 'unknown-schema-id', error: `registry id ${id}: ${(error as Error).message}` });
      }
    }
  }

  private writerEntry(writer: avro.Type, description: string): WriterEntry {
    if (writer.equals(this.reader.type)) return { description, writer, resolver: null };
    try {
      return { description, writer, resolver: this.reader.type.createResolver(writer) };
    } catch (error) {
      return { description, resolver: null, error: `written as ${description}, which cannot be read as ${this.recordName}: ${(error as Error).message.split('\n')[0]}` };
    }
  }

  private readBody(message: Buffer, offset: number, entry: WriterEntry): RecordTypes[N] {
    return readWholeBody(this.reader.type, entry.resolver, message, offset, entry.description) as RecordTypes[N];
  }
}

/**
 * Reads the body at `offset` (to the end of `message`) with `reader`, through
 * `resolver` when written with another schema; a body that does not parse, is
 * cut short or leaves bytes over is a DecodeError naming `writer`.
 */
export function readWholeBody(reader: avro.Type, resolver: avro.Resolver | null, message: Buffer, offset: number, writer: string): unknown {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = resolver ? reader.decode(message, offset, resolver) : reader.decode(message, offset);
  } catch (cause) {
    throw new DecodeError('malformed-body', `body does not parse as ${writer}: ${(cause as Error).message}`, { cause });
  }
  if (decoded.offset < 0) throw new DecodeError('malformed-body', `body truncated (${message.length - offset} bytes) for ${writer}`);
  if (decoded.offset !== message.length) {
    throw new DecodeError('trailing-bytes', `${message.length - decoded.offset} bytes left after the ${writer} body`);
  }
  return decoded.value;
}

function asDecodeError(error: unknown): DecodeError {
  if (error instanceof DecodeError) return error;
  return new DecodeError('malformed-body', (error as Error)?.message ?? String(error), { cause: error });
}
