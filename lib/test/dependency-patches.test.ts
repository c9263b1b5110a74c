/**
 * The fixes patches/ applies to dependencies: present after install, and the
 * same behaviour as the code they replace.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

type Grouping = (input: { topic: string; partitionMetadata: unknown[]; messages: { key: string }[]; partitioner: (args: { message: { key: string } }) => number }) => Record<number, { key: string }[]>;

const require = createRequire(import.meta.url);
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as Grouping;

/** kafkajs 2.2.4's own grouping, as it was: the reference. */
const original: Grouping = ({ partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) return {};
  return messages.reduce<Record<number, { key: string }[]>>((result, message) => {
    const partition = partitioner({ message });
    return Object.assign(result, { [partition]: [...(result[partition] ?? []), message] });
  }, {});
};

const partitioner = ({ message }: { message: { key: string } }) => Number(message.key) % 7;

test('kafkajs groups a send by partition as before, in order', () => {
  const messages = Array.from({ length: 500 }, (_, i) => ({ key: String((i * 31) % 97) }));
  const input = { topic: 't', partitionMetadata: [{}], messages, partitioner };
  assert.deepEqual(groupMessagesPerPartition(input), original(input));
  assert.deepEqual(groupMessagesPerPartition({ ...input, partitionMetadata: [] }), {});
});

test('kafkajs groups a large send in one pass (the patch is applied)', () => {
  // 50,000 messages to one partition: the unpatched grouping copies ~1.25e9 array slots (seconds
  // to tens of seconds); the patched one takes milliseconds. The bound only tells the two apart.
  const messages = Array.from({ length: 50_000 }, () => ({ key: '0' }));
  const started = performance.now();
  const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner });
  const elapsed = performance.now() - started;
  assert.equal(grouped[0]?.length, messages.length);
  assert.ok(elapsed < 2_000, `grouping took ${Math.round(elapsed)} ms: is patches/kafkajs+2.2.4.patch applied (npm ci runs patch-package)?`);
});

test('kafkajs checksums record batches with the same CRC-32C, from crc-32 (the patch is applied)', () => {
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
  const byteLoop = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (buffer: Buffer) => number;
  assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
  for (const size of [0, 1, 7, 64, 1000, 65_537]) {
    const bytes = randomBytes(size);
    assert.equal(crc32C(bytes), byteLoop(bytes), `${size} bytes`);
  }
  assert.match(readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/crc32C'), 'utf8'), /crc-32\/crc32c/);
});

test('ioredis defines its String subclass only when a RESP3 verbatim string arrives (the patch is applied)', async () => {
  // Defining any subclass of String makes V8 11 (Node 20) take a slow path for charCodeAt in the
  // whole process; every stage loads ioredis through lib, and the joiner parses addresses by char code.
  await import('ioredis');
  const module = require('ioredis/built/resp/verbatim-string.js') as { VerbatimString: new (format: string, value: string) => String & { format: string } };
  const descriptor = Object.getOwnPropertyDescriptor(module, 'VerbatimString');
  assert.equal(typeof descriptor?.get, 'function', 'VerbatimString is a lazy getter: is patches/ioredis+6.0.0.patch applied?');
  const verbatim = new module.VerbatimString('txt', 'hello');
  assert.equal(String(verbatim), 'hello');
  assert.equal(verbatim.format, 'txt');
  assert.ok(verbatim instanceof String);
  assert.equal(module.VerbatimString, module.VerbatimString, 'one class, as ioredis compares type mappings by identity');
});

interface KafkaEncoder {
  buf: Buffer;
  buffer: Buffer;
  size(): number;
  segments(): Buffer[];
  writeInt32(value: number): KafkaEncoder;
  writeString(value: string): KafkaEncoder;
  writeBytes(value: Buffer): KafkaEncoder;
  writeEncoder(value: KafkaEncoder): KafkaEncoder;
  writeArray(values: KafkaEncoder[]): KafkaEncoder;
}

test('kafkajs keeps a large nested encoder by reference and joins the bytes once, as it would have copied them (the patch is applied)', () => {
  const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
  const int32 = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
  const big = new Encoder();
  for (let i = 0; i < 2000; i++) big.writeInt32(i);
  const small = new Encoder().writeString('topic');
  const bytes = randomBytes(10_000);
  // Nested as a produce request is: a large child, small fields around it, then more nesting.
  const inner = new Encoder().writeInt32(7).writeEncoder(big).writeInt32(8).writeBytes(bytes).writeEncoder(small);
  const outer = new Encoder().writeInt32(inner.size()).writeEncoder(inner).writeArray([small, inner]);
  const expectedInner = Buffer.concat([int32(7), big.buffer, int32(8), int32(bytes.length), bytes, small.buffer]);
  assert.ok(inner.segments().some((segment) => segment.buffer === big.buf.buffer), 'the large child is referenced, not copied');
  assert.equal(outer.size(), 4 + expectedInner.length + 4 + small.size() + expectedInner.length);
  const joined = outer.buffer;
  assert.deepEqual(joined, Buffer.concat([int32(expectedInner.length), expectedInner, int32(2), small.buffer, expectedInner]));
  assert.equal(outer.buffer.buffer, joined.buffer, 'joined once, then kept');
});

test('kafkajs record batches written with the patched encoder decode to the same records', async () => {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (input: object) => Promise<KafkaEncoder> };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => KafkaEncoder;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => object;
  const decode = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: object) => Promise<{ records: { key: Buffer; value: Buffer; offset: string }[] }>;
  const values = Array.from({ length: 300 }, (_, i) => randomBytes(100 + (i % 7) * 900)); // a few records over the by-reference size
  const records = values.map((value, i) => Record({ offsetDelta: i, key: Buffer.from(`key-${i}`), value }));
  const batch = await RecordBatch({ records, lastOffsetDelta: records.length - 1 });
  const bytes = batch.buffer;
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
  // firstOffset (8), length (4), leader epoch (4), magic (1), then the CRC-32C of everything after it.
  assert.equal(bytes.readUInt32BE(17), crc32C(bytes.subarray(21)), 'the CRC covers the batch as sent');
  const decoded = await decode(new Decoder(bytes));
  assert.equal(decoded.records.length, values.length);
  decoded.records.forEach((record, i) => {
    assert.equal(record.key.toString(), `key-${i}`);
    assert.deepEqual(record.value, values[i]);
  });
});
