import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  DLQ_HEADERS,
  Health,
  RecordCodec,
  consumerOptions,
  createLogger,
  createProducer,
  createRegistry,
  kafkaOptions,
  loadConfig,
  startMockBroker,
  startSink,
  type EnrichedFlow,
  type InputRecord,
  type MockBroker,
  type OutputSink,
  type ServiceContext,
  type StreamProcessor,
} from '@flowmesh/lib';
import { committedOffsets, readTopic, sampleEnriched, testKafka, topicEnds } from '@flowmesh/lib/testing';

const flowCodec = RecordCodec.local('EnrichedFlow');

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

/** Keeps what it was given and completes it only when told, as a sink that flushes later would. */
class CollectingSink implements StreamProcessor<EnrichedFlow> {
  readonly written: InputRecord<EnrichedFlow>[] = [];
  private unflushed: InputRecord<EnrichedFlow>[] = [];
  async handleBatch(records: readonly InputRecord<EnrichedFlow>[]): Promise<void> {
    this.written.push(...records);
    this.unflushed.push(...records);
  }
  async onTick(_now: number, sink: OutputSink): Promise<void> {
    const flushed = this.unflushed;
    this.unflushed = [];
    await sink.send([], flushed);
  }
}

function context(): ServiceContext {
  return { logger: createLogger('test', 'fatal'), registry: createRegistry('test'), health: new Health(), signal: new AbortController().signal };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('a sink stage hands decoded records to its processor, dead-letters garbage and commits only what the processor completed', async () => {
  const topic = 'sink.in';
  const dlqTopic = 'sink.dlq';
  await broker.createTopic(topic, 2);
  await broker.createTopic(dlqTopic, 1);
  const kafka = testKafka(broker.brokers);
  const producer = await createProducer(kafka, { kafkaCompression: 'none', kafkaIdempotent: false });
  const good = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: flowCodec.encode(sampleEnriched({ src_port: 1000 + i })) }));
  await producer.producer.send({ topic, messages: [...good.slice(0, 25), { key: 'bad', value: Buffer.from('not avro') }, ...good.slice(25)] });

  const processor = new CollectingSink();
  const config = loadConfig({ ...kafkaOptions, ...consumerOptions }, {
    env: {},
    flags: { kafkaBrokers: broker.brokers.join(','), dlqTopic, groupId: 'sink-group', commitIntervalMs: 50, sessionTimeoutMs: 6000 },
  });
  const ctx = context();
  const stage = await startSink(ctx, config, { stage: 'test-sink', inputTopic: topic, inputRecord: 'EnrichedFlow', tickMs: 200, createProcessor: () => processor });
  try {
    await until(() => processor.written.length === 50, 'the 50 good records');
    assert.deepEqual(processor.written.map((r) => r.value.src_port).sort(), good.map((_, i) => 1000 + i).sort());
    const dead = await readTopic(kafka, dlqTopic, 1);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.headers[DLQ_HEADERS.stage], 'test-sink');
    const ends = await topicEnds(kafka, topic);
    await until(async () => {
      const committed = await committedOffsets(kafka, 'sink-group', topic);
      return [...ends].every(([partition, end]) => committed.get(partition) === end);
    }, 'commits at the input end');
    assert.equal(ctx.health.ready().ok, true);
  } finally {
    await stage.stop();
    await producer.producer.disconnect();
  }
});
