import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { DecodeError, RecordCodec, RecordProjection, SchemaRegistryClient, crc64Avro, schemaVersions, schemasDir, type RecordName } from '@flowmesh/lib';
import { sampleEnriched, sampleHalf, sampleJoined } from '@flowmesh/lib/testing';

const samples = { FlowHalf: sampleHalf(), JoinedFlow: sampleJoined(), EnrichedFlow: sampleEnriched() } as const;
const names = Object.keys(samples) as RecordName[];

describe('CRC-64-AVRO', () => {
  it('matches the fingerprints published with the Avro specification', () => {
    assert.equal(crc64Avro('"int"').readBigUInt64LE(), 0x7275d51a3f395c8fn);
    assert.equal(crc64Avro('"null"').readBigUInt64LE(), 0x63dd24e7cc258f8an);
  });
});

describe('schemas', () => {
  for (const name of names) {
    it(`${name}: every field, at every depth, has a doc`, () => {
      for (const version of schemaVersions(name)) {
        const missing: string[] = [];
        const walk = (schema: unknown, path: string) => {
          if (!schema || typeof schema !== 'object') return;
          if (Array.isArray(schema)) return schema.forEach((s) => walk(s, path));
          const s = schema as { type?: unknown; fields?: { name: string; doc?: string; type: unknown }[] };
          for (const field of s.fields ?? []) {
            if (!field.doc?.trim()) missing.push(`${path}.${field.name}`);
            walk(field.type, `${path}.${field.name}`);
          }
          if (typeof s.type === 'object') walk(s.type, path);
        };
        walk(version.json, name);
        assert.deepEqual(missing, [], `fields without doc in ${name} v${version.version}`);
      }
    });
  }
});

describe('single-object encoding', () => {
  for (const name of names) {
    it(`${name}: round trips and starts with C3 01 + fingerprint`, () => {
      const codec = RecordCodec.local(name);
      const bytes = codec.encode(samples[name] as never);
      assert.deepEqual([...bytes.subarray(0, 2)], [0xc3, 0x01]);
      assert.deepEqual(bytes.subarray(2, 10), schemaVersions(name).at(-1)!.fingerprint);
      assert.deepEqual(plain(codec.decode(bytes)), samples[name]);
    });
  }

  it('rejects other framings, truncation, trailing bytes and other record types, each with its reason', () => {
    const codec = RecordCodec.local('FlowHalf');
    const good = codec.encode(sampleHalf());
    const reasonOf = (bytes: Buffer) => {
      try {
        codec.decode(bytes);
        return 'decoded';
      } catch (error) {
        assert.ok(error instanceof DecodeError, `not a DecodeError: ${error}`);
        return error.reason;
      }
    };
    assert.equal(reasonOf(Buffer.alloc(0)), 'empty');
    assert.equal(reasonOf(Buffer.from('{"json":true}')), 'unknown-framing');
    assert.equal(reasonOf(good.subarray(0, 6)), 'unknown-framing');
    assert.equal(reasonOf(good.subarray(0, good.length - 3)), 'malformed-body');
    assert.equal(reasonOf(Buffer.concat([good, Buffer.from([1, 2])])), 'trailing-bytes');
    assert.equal(reasonOf(Buffer.concat([good.subarray(0, 2), Buffer.alloc(8, 7), good.subarray(10)])), 'unknown-fingerprint');
    // Writers are looked up by half the fingerprint first: a known low half with another high half is unknown.
    const otherHigh = Buffer.from(good);
    otherHigh[9]! ^= 0x01;
    assert.equal(reasonOf(otherHigh), 'unknown-fingerprint');
    assert.equal(reasonOf(RecordCodec.local('EnrichedFlow').encode(sampleEnriched())), 'incompatible-schema');
    assert.equal(reasonOf(Buffer.from([0, 0, 0, 0, 9, 1])), 'unknown-schema-id');
  });
});

describe('writing a body in place', () => {
  it('frames a body of a known size like encode, and refuses a writer that writes another size', () => {
    const codec = RecordCodec.local('FlowHalf');
    const body = codec.type.toBuffer(sampleHalf());
    assert.deepEqual(codec.encodeSized(body.length, (buffer, offset) => offset + body.copy(buffer, offset)), codec.encode(sampleHalf()));
    assert.deepEqual(codec.frame(body), codec.encode(sampleHalf()));
    assert.throws(() => codec.encodeSized(body.length + 1, (buffer, offset) => offset + body.copy(buffer, offset)), /wrote \d+ bytes of a \d+-byte body/);
  });
});

describe('golden fixtures', () => {
  // Fixtures are bytes written by a released version. A schema edit that changes how
  // those bytes decode (or an in-place edit of a released .avsc) fails here.
  for (const name of names) {
    for (const version of schemaVersions(name)) {
      it(`${name} v${version.version}: the golden bytes decode to the golden value with today's codec`, () => {
        const base = `${schemasDir()}/fixtures/${name}.v${version.version}`;
        if (process.env.UPDATE_FIXTURES && version === schemaVersions(name).at(-1)) {
          writeFileSync(`${base}.json`, `${JSON.stringify(samples[name], null, 2)}\n`);
          writeFileSync(`${base}.bin`, Buffer.concat([Buffer.from([0xc3, 0x01]), version.fingerprint, version.type.toBuffer(samples[name])]));
        }
        assert.ok(existsSync(`${base}.bin`), `missing fixture ${base}.bin (UPDATE_FIXTURES=1 writes it for the newest version)`);
        const expected = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as unknown;
        const bytes = readFileSync(`${base}.bin`);
        assert.deepEqual(bytes.subarray(2, 10), version.fingerprint, `${name}.v${version.version}.avsc was edited in place; add a new version instead`);
        const decoded = RecordCodec.local(name).decode(bytes);
        // Fields added later take their defaults; every fixture field must survive unchanged.
        // Nested records (JoinedFlow's half) gain fields too: compare to the fixture's depth.
        assert.deepEqual(pickLike(plain(decoded), expected), expected);
      });
    }
  }
});

describe('schema evolution', () => {
  for (const name of names) {
    it(`${name}: the newest schema reads every older version (backward compatible)`, () => {
      const versions = schemaVersions(name);
      const newest = versions.at(-1)!;
      for (const older of versions.slice(0, -1)) {
        assert.doesNotThrow(() => newest.type.createResolver(older.type), `${name} v${newest.version} cannot read v${older.version}`);
      }
    });
  }

  it('the compatibility check catches a breaking change (a new field without a default)', () => {
    const v1 = schemaVersions('FlowHalf')[0]!;
    const broken = JSON.parse(JSON.stringify(v1.json)) as { fields: object[] };
    broken.fields.push({ name: 'tenant', type: 'string', doc: 'x' });
    assert.throws(() => avro.Type.forSchema(broken as avro.Schema).createResolver(v1.type));
    const compatible = JSON.parse(JSON.stringify(v1.json)) as { fields: object[] };
    compatible.fields.push({ name: 'tenant', type: ['null', 'string'], default: null, doc: 'x' });
    const reader = avro.Type.forSchema(compatible as avro.Schema);
    const value = reader.decode(v1.type.toBuffer(sampleHalf()), 0, reader.createResolver(v1.type)).value as { tenant: null };
    assert.equal(value.tenant, null);
  });
});

/** A stand-in schema registry: registers subjects (ids from 41) and serves schemas by id, `preset` included. */
async function withFakeRegistry(preset: Map<number, string>, run: (url: string, registered: string[]) => Promise<void>): Promise<void> {
  const registered: string[] = [];
  const schemas = new Map(preset);
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const register = /^\/subjects\/([^/]+)\/versions$/.exec(request.url ?? '');
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(request.url ?? '');
      response.setHeader('Content-Type', 'application/vnd.schemaregistry.v1+json');
      if (request.method === 'POST' && register) {
        registered.push(decodeURIComponent(register[1]!));
        const schema = (JSON.parse(body) as { schema: string }).schema;
        const id = 40 + registered.length;
        schemas.set(id, schema);
        response.end(JSON.stringify({ id }));
      } else if (byId && schemas.has(Number(byId[1]))) {
        response.end(JSON.stringify({ schema: schemas.get(Number(byId[1])) }));
      } else {
        response.statusCode = 404;
        response.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, registered);
  } finally {
    server.close();
  }
}

describe('Confluent wire format with a schema registry', () => {
  it('registers the schema, writes magic 0 + id, and decodes ids it has never seen through the registry', async () => {
    await withFakeRegistry(new Map(), async (url, registered) => {
      const writer = await RecordCodec.create('FlowHalf', { registry: new SchemaRegistryClient({ url }), topic: 'flowmesh.halves.v1' });
      assert.deepEqual(registered, ['flowmesh.halves.v1-value']);
      const bytes = writer.encode(sampleHalf());
      assert.equal(bytes[0], 0);
      assert.equal(bytes.readUInt32BE(1), 41);

      const reader = await RecordCodec.create('FlowHalf', { registry: new SchemaRegistryClient({ url }), topic: 'other' });
      const single = RecordCodec.local('FlowHalf').encode(sampleHalf({ pid: 9 }));
      const unknownId = Buffer.concat([Buffer.from([0, 0, 0, 3, 231]), bytes.subarray(5)]);
      const results = await reader.decodeBatch([bytes, single, unknownId, null]);
      assert.deepEqual(results.map((r) => (r.ok ? r.value.pid : r.error.reason)), [4242, 9, 'unknown-schema-id', 'empty']);
    });
  });
});

describe('projections', () => {
  const codec = RecordCodec.local('FlowHalf');
  const projection = new RecordProjection(codec, ['vantage', 'client_ip', 'window_end']);

  it('decode only the named fields, with the body as a view into the message', () => {
    const message = codec.encode(sampleHalf());
    const { value, body } = projection.decode(message);
    assert.deepEqual(plain(value), { vantage: 'SRC', client_ip: '10.244.1.7', window_end: sampleHalf().window_end });
    assert.equal(body.buffer, message.buffer);
    assert.equal(body.byteOffset, message.byteOffset + 10);
    assert.deepEqual(body, codec.type.toBuffer(sampleHalf()));
  });

  it('still reject what does not parse in the fields they skip, each with its reason', async () => {
    const good = codec.encode(sampleHalf({ dns: null }));
    // dns is the last field: ["null", DnsExchange], null is the byte 0x00. Union index 2 does not exist.
    const badUnion = Buffer.from(good);
    assert.equal(badUnion[badUnion.length - 1], 0x00);
    badUnion[badUnion.length - 1] = 0x04;
    const results = await projection.decodeBatch([good, good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from([1])]), badUnion, null]);
    assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.error.reason)), ['ok', 'malformed-body', 'trailing-bytes', 'malformed-body', 'empty']);
  });

  it('give the body in the newest schema when the message was written with another', async () => {
    // A writer with a field the newest FlowHalf lacks (registered elsewhere): the reader skips it.
    const newest = codec.type.schema() as { fields: object[] };
    const other = avro.Type.forSchema({ ...newest, fields: [...newest.fields, { name: 'tenant', type: 'string' }] } as avro.Schema);
    await withFakeRegistry(new Map([[7, JSON.stringify(other.schema())]]), async (url) => {
      const viaRegistry = await RecordCodec.create('FlowHalf', { registry: new SchemaRegistryClient({ url }), topic: 't' });
      const message = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), other.toBuffer({ ...sampleHalf(), tenant: 'blue' })]);
      const [result] = await new RecordProjection(viaRegistry, ['client_ip']).decodeBatch([message]);
      assert.ok(result?.ok, result?.ok ? '' : result?.error.message);
      assert.deepEqual(plain(result.value), { client_ip: '10.244.1.7' });
      assert.deepEqual(result.body, codec.type.toBuffer(sampleHalf()));
    });
  });

  it('name fields the record has', () => {
    assert.throws(() => new RecordProjection(codec, ['client_ip', 'tenant' as 'client_ip']), /FlowHalf has no field tenant/);
  });

  it('narrow nested records to the fields named for them, and reject what is not a record', () => {
    const joinedCodec = RecordCodec.local('JoinedFlow');
    const nested = new RecordProjection(joinedCodec, ['half', 'dst', 'service_ip'], { half: ['window_end'], dst: ['ip', 'container_id'] });
    const joined = sampleJoined();
    const { value, body } = nested.decode(joinedCodec.encode(joined));
    assert.deepEqual(plain(value), { half: { window_end: joined.half.window_end }, dst: { ip: joined.dst.ip, container_id: joined.dst.container_id }, service_ip: joined.service_ip });
    assert.deepEqual(body, joinedCodec.type.toBuffer(joined));
    assert.throws(() => new RecordProjection(joinedCodec, ['half'], { half: ['tenant' as 'node'] }), /FlowHalf has no field tenant/);
    assert.throws(() => new RecordProjection(joinedCodec, ['match'], { match: ['x' as never] }), /match is not a record/);
  });
});

/** avsc decodes into record classes; compare the data only. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `value` cut down to the keys `shape` has, at every level of nested records (arrays and maps are compared whole). */
function pickLike(value: unknown, shape: unknown): unknown {
  if (!isRecord(shape) || !isRecord(value)) return value;
  return Object.fromEntries(Object.keys(shape).map((k) => [k, pickLike(value[k], shape[k])]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
