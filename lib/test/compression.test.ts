/**
 * --kafka-compression against the embedded broker: each codec carries records
 * through a stage, and batches interoperate with librdkafka (kcat) both ways.
 * A counting wrapper around kafkajs's codec table proves the batches really were
 * compressed with the codec named, not sent plain.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
// kafkajs is CommonJS and its codec table is not a named export Node can see.
import kafkajs, { CompressionTypes } from 'kafkajs';
import {
  RecordCodec,
  createLogger,
  createProducer,
  createRegistry,
  flowKey,
  kafkaOptions,
  runStream,
  startMockBroker,
  type FlowHalf,
  type InputRecord,
  type MockBroker,
  type OutputSink,
  type StreamProcessor,
} from '@flowmesh/lib';
import { readTopic, readWithKcat, sampleHalf, testKafka } from '@flowmesh/lib/testing';
import { compressionType, registerKafkaCodecs, type KafkaCompression } from '../src/kafka/compression.js';
import { runToEnd } from '../../cli/test/support/cli-process.js';

const run = promisify(execFile);
const CODECS = ['lz4', 'zstd', 'snappy'] as const satisfies readonly KafkaCompression[];
const halfCodec = RecordCodec.local('FlowHalf');
const logger = createLogger('test', 'fatal');

/** Counts the calls kafkajs makes into one codec of its table. */
function countCodecCalls(type: CompressionTypes): { compress: number; decompress: number; written: Buffer[] } {
  registerKafkaCodecs();
  const counts = { compress: 0, decompress: 0, written: [] as Buffer[] };
  const table = kafkajs.CompressionCodecs as Record<CompressionTypes, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
  const original = table[type];
  table[type] = () => {
    const codec = original();
    return {
      compress: async (encoder) => {
        counts.compress++;
        const compressed = await codec.compress(encoder);
        counts.written.push(compressed);
        return compressed;
      },
      decompress: async (buffer) => (counts.decompress++, codec.decompress(buffer)),
    };
  };
  return counts;
}

/** Copies every half through unchanged, re-encoded (the stage's own encode and produce path). */
class CopyProcessor implements StreamProcessor<FlowHalf> {
  async handleBatch(records: readonly InputRecord<FlowHalf>[], sink: OutputSink): Promise<void> {
    await sink.send(
      records.map((r) => ({ key: r.key, value: halfCodec.encode(r.value) })),
      records,
    );
  }
}

/** Halves with long repeated strings, so that every codec shrinks them (librdkafka sends plain what does not shrink). */
function halves(count: number, tag: string): { key: string; value: Buffer; half: FlowHalf }[] {
  return Array.from({ length: count }, (_, i) => {
    const half = sampleHalf({ client_port: 20_000 + i, pid: 4000 + i, process_name: `${tag}-worker-${'x'.repeat(40)}-${i}` });
    return { key: flowKey(6, half.client_ip, half.client_port), value: halfCodec.encode(half), half };
  });
}

async function kcatProduce(args: string[]): Promise<void> {
  await run('kcat', args, { timeout: 30_000 });
}

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

describe('--kafka-compression', () => {
  it('offers none, gzip, lz4, zstd and snappy', () => {
    assert.deepEqual(kafkaOptions.kafkaCompression.choices, ['none', 'gzip', 'lz4', 'zstd', 'snappy']);
    assert.equal(compressionType('zstd'), CompressionTypes.ZSTD);
  });

  for (const codec of CODECS) {
    it(`${codec}: records round-trip through a stage that compresses its output with ${codec}`, async () => {
      const counts = countCodecCalls(compressionType(codec));
      const kafka = testKafka(broker.brokers);
      const topics = { in: `stage-${codec}.in`, out: `stage-${codec}.out`, dlq: `stage-${codec}.dlq` };
      for (const topic of Object.values(topics)) await broker.createTopic(topic, 2);
      const producer = await createProducer(kafka, { kafkaCompression: codec, kafkaIdempotent: false });
      const stream = await runStream({
        kafka,
        producer,
        stage: 'compression-test',
        groupId: `stage-${codec}-group`,
        inputTopic: topics.in,
        outputTopic: topics.out,
        dlqTopic: topics.dlq,
        decoder: halfCodec,
        processor: new CopyProcessor(),
        logger,
        registry: createRegistry('test'),
        commitIntervalMs: 100,
      });
      try {
        const records = halves(200, codec);
        // The input is written with the same codec, so the stage also reads it.
        await producer.producer.send({ topic: topics.in, compression: producer.compression, messages: records.map(({ key, value }) => ({ key, value })) });
        const out = await readTopic(kafka, topics.out, records.length);
        assert.equal(out.length, records.length);
        const names = out.map((m) => halfCodec.decode(m.value!).process_name).sort();
        assert.deepEqual(names, records.map((r) => r.half.process_name).sort());
        assert.ok(counts.compress >= 2, `${codec} compressed ${counts.compress} batches (input and output)`);
        assert.ok(counts.decompress >= 2, `${codec} decompressed ${counts.decompress} batches (the stage's input and the reader's)`);
      } finally {
        await stream.stop();
        await producer.producer.disconnect();
      }
    });

    it(`${codec}: kcat (librdkafka) reads what a flowmesh producer wrote byte for byte`, async () => {
      const counts = countCodecCalls(compressionType(codec));
      const topic = `to-kcat-${codec}`;
      await broker.createTopic(topic, 1);
      const producer = await createProducer(testKafka(broker.brokers), { kafkaCompression: codec, kafkaIdempotent: false });
      const records = halves(50, codec);
      await producer.producer.send({ topic, compression: producer.compression, messages: records.map(({ key, value }) => ({ key, value })) });
      await producer.producer.disconnect();
      assert.equal(counts.compress, 1, `one ${codec} batch`);
      if (codec === 'lz4') {
        // An LZ4 frame with independent blocks: the Java client's reader refuses dependent ones.
        const frame = counts.written[0]!;
        assert.equal(frame.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
        assert.equal((frame[4]! >> 5) & 1, 1, 'block independence flag');
      }
      const read = await readWithKcat(broker.bootstrap, topic, records.length);
      assert.equal(read.length, records.length);
      const values = read.map((m) => m.value!);
      assert.deepEqual(values, records.map((r) => r.value));
    });

    it(`${codec}: flowmesh tail and a flowmesh consumer read what kcat -z ${codec} wrote`, async () => {
      const counts = countCodecCalls(compressionType(codec));
      const topic = `from-kcat-${codec}`;
      await broker.createTopic(topic, 1);
      const records = halves(5, `kcat-${codec}`);
      const dir = await mkdtemp(join(tmpdir(), 'flowmesh-kcat-'));
      try {
        // kcat -P sends each file named as one message, so binary values pass unchanged.
        const files = await Promise.all(
          records.map(async (r, i) => {
            const file = join(dir, `record-${i}.avro`);
            await writeFile(file, r.value);
            return file;
          }),
        );
        await kcatProduce(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-z', codec, '-X', 'linger.ms=100', ...files]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const tail = await runToEnd(['tail', topic, '--from-beginning', '--max', String(records.length), '--kafka-brokers', broker.bootstrap]);
      assert.equal(tail.code, 0, tail.stderr.join('\n'));
      assert.deepEqual(
        tail.stdout.map((line) => (JSON.parse(line) as { process_name: string }).process_name),
        records.map((r) => r.half.process_name),
      );
      // The same topic read in this process, where the calls into the codec can be counted.
      const read = await readTopic(testKafka(broker.brokers), topic, records.length);
      assert.deepEqual(
        read.map((m) => halfCodec.decode(m.value!).process_name),
        records.map((r) => r.half.process_name),
      );
      assert.ok(counts.decompress >= 1, `kcat's batches were ${codec}-compressed (decompressed ${counts.decompress} times)`);
    });
  }
});
