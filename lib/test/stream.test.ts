import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DLQ_HEADERS,
  RecordCodec,
  createLogger,
  createProducer,
  createRegistry,
  flowKey,
  runStream,
  startMockBroker,
  type FlowHalf,
  type InputRecord,
  type MockBroker,
  type OutputSink,
  type StreamProcessor,
} from '@flowmesh/lib';
import { committedOffsets, readTopic, sampleHalf, sampleJoined, testKafka, topicSize } from '@flowmesh/lib/testing';
import type { ConsumerConfig, ConsumerCrashEvent, Kafka } from 'kafkajs';

const halfCodec = RecordCodec.local('FlowHalf');
const joinedCodec = RecordCodec.local('JoinedFlow');
const logger = createLogger('test', 'fatal');

/** Turns each half into a JoinedFlow, optionally failing or holding some back. */
class EchoProcessor implements StreamProcessor<FlowHalf> {
  held: InputRecord<FlowHalf>[] = [];
  constructor(private readonly rules: { failPid?: number; holdPid?: number; beforeFirstSend?: () => Promise<void> } = {}) {}
  async handleBatch(records: readonly InputRecord<FlowHalf>[], sink: OutputSink): Promise<void> {
    const out = [];
    const done = [];
    for (const record of records) {
      if (record.value.pid === this.rules.failPid) throw new Error(`cannot process pid ${record.value.pid}`);
      if (record.value.pid === this.rules.holdPid) {
        this.held.push(record);
        continue;
      }
      out.push({ key: record.key, value: joinedCodec.encode(sampleJoined({ half: record.value })) });
      done.push(record);
    }
    const hook = this.rules.beforeFirstSend;
    this.rules.beforeFirstSend = undefined;
    await hook?.();
    await sink.send(out, done);
  }
}

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

async function setup(name: string, processor: StreamProcessor<FlowHalf>, commitIntervalMs = 100, kafka = testKafka(broker.brokers)) {
  const topics = { in: `${name}.in`, out: `${name}.out`, dlq: `${name}.dlq` };
  for (const topic of Object.values(topics)) await broker.createTopic(topic, 4);
  const producer = await createProducer(kafka, { kafkaCompression: 'none', kafkaIdempotent: false });
  const stream = await runStream({
    kafka,
    producer,
    stage: 'test-stage',
    groupId: `${name}-group`,
    inputTopic: topics.in,
    outputTopic: topics.out,
    dlqTopic: topics.dlq,
    decoder: halfCodec,
    processor,
    logger,
    registry: createRegistry('test'),
    commitIntervalMs,
  });
  return {
    kafka,
    topics,
    stream,
    async send(messages: { key: string | null; value: Buffer | null }[]) {
      for (let i = 0; i < messages.length; i += 2000) await producer.producer.send({ topic: topics.in, messages: messages.slice(i, i + 2000) });
    },
    async close() {
      await stream.stop();
      await producer.producer.disconnect();
    },
  };
}

function goodMessage(i: number) {
  const half = sampleHalf({ client_port: 10_000 + i, pid: 1000 + i });
  return { key: flowKey(6, half.client_ip, half.client_port), value: halfCodec.encode(half) };
}

describe('consumer loop against the embedded broker', () => {
  it('consumes, produces one output per input, and commits everything', async () => {
    const t = await setup('echo', new EchoProcessor());
    await t.send(Array.from({ length: 500 }, (_, i) => goodMessage(i)));
    const out = await readTopic(t.kafka, t.topics.out, 500);
    await t.close();
    assert.equal(out.length, 500);
    const ports = new Set(out.map((m) => joinedCodec.decode(m.value!).half.client_port));
    assert.equal(ports.size, 500);
    // Keys are kept, so outputs stay in the input's partition.
    assert.ok(out.every((m) => m.key?.toString().startsWith('6|10.244.1.7|')));
    const committed = await committedOffsets(t.kafka, 'echo-group', t.topics.in);
    const total = [...committed.values()].reduce((a, b) => a + Math.max(b, 0), 0);
    assert.equal(total, 500);
  });

  it('on stop, drains and commits what it consumed (the final commit happens while still a group member)', async () => {
    const t = await setup('final-commit', new EchoProcessor(), 600_000);
    await t.send(Array.from({ length: 50 }, (_, i) => goodMessage(i)));
    await readTopic(t.kafka, t.topics.out, 50);
    await t.close();
    const committed = await committedOffsets(t.kafka, 'final-commit-group', t.topics.in);
    assert.equal([...committed.values()].reduce((a, b) => a + Math.max(b, 0), 0), 50);
  });

  it('commits as soon as a partition is caught up, without waiting for the commit interval', async () => {
    const t = await setup('caught-up', new EchoProcessor(), 600_000);
    // The first commit goes out at once anyway; the second round of records is committed only
    // if being caught up triggers it (the interval is ten minutes, and the stream still runs).
    await t.send(Array.from({ length: 30 }, (_, i) => goodMessage(i)));
    await readTopic(t.kafka, t.topics.out, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.send(Array.from({ length: 30 }, (_, i) => goodMessage(30 + i)));
    await readTopic(t.kafka, t.topics.out, 60);
    let total = 0;
    for (let attempt = 0; attempt < 50 && total < 60; attempt++) {
      const committed = await committedOffsets(t.kafka, 'caught-up-group', t.topics.in);
      total = [...committed.values()].reduce((a, b) => a + Math.max(b, 0), 0);
      if (total < 60) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await t.close();
    assert.equal(total, 60);
  });

  it('survives 10,000 random, truncated and wrong-schema messages: each in the DLQ with a reason, good records processed', async () => {
    const t = await setup('fuzz', new EchoProcessor());
    const wrongSchema = RecordCodec.local('EnrichedFlow');
    const good = halfCodec.encode(sampleHalf());
    const bad: { key: string | null; value: Buffer | null }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const kind = i % 6;
      const value =
        kind === 0 ? randomBytes(1 + (i % 300))
        : kind === 1 ? good.subarray(0, 1 + (i % (good.length - 1)))
        : kind === 2 ? Buffer.concat([Buffer.from([0xc3, 0x01]), randomBytes(8 + (i % 50))])
        : kind === 3 ? Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), randomBytes(i % 40)])
        : kind === 4 ? RecordCodec.local('JoinedFlow').encode(sampleJoined())
        : Buffer.concat([good, randomBytes(1 + (i % 5))]);
      bad.push({ key: `bad-${i}`, value });
    }
    void wrongSchema;
    const mixed: { key: string | null; value: Buffer | null }[] = [];
    let g = 0;
    for (let i = 0; i < bad.length; i++) {
      mixed.push(bad[i]!);
      if (i % 10 === 0) mixed.push(goodMessage(g++));
    }
    await t.send(mixed);
    const out = await readTopic(t.kafka, t.topics.out, g, 60_000);
    const dlq = await readTopic(t.kafka, t.topics.dlq, bad.length, 60_000);
    await t.close();

    assert.equal(out.length, g, 'every good record processed');
    assert.equal(dlq.length, bad.length, 'every bad record dead-lettered');
    const reasons = new Map<string, number>();
    for (const m of dlq) {
      assert.equal(m.headers[DLQ_HEADERS.stage], 'test-stage');
      assert.equal(m.headers[DLQ_HEADERS.topic], t.topics.in);
      assert.match(m.headers[DLQ_HEADERS.offset] ?? '', /^\d+$/);
      assert.match(m.headers[DLQ_HEADERS.partition] ?? '', /^\d+$/);
      assert.ok((m.headers[DLQ_HEADERS.error] ?? '').length > 5);
      assert.ok(m.key?.toString().startsWith('bad-'));
      const reason = m.headers[DLQ_HEADERS.reason] ?? '?';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    // Every (partition, offset) names a distinct source record.
    assert.equal(new Set(dlq.map((m) => `${m.headers[DLQ_HEADERS.partition]}/${m.headers[DLQ_HEADERS.offset]}`)).size, bad.length);
    for (const reason of ['unknown-framing', 'malformed-body', 'unknown-fingerprint', 'unknown-schema-id', 'incompatible-schema', 'trailing-bytes']) {
      assert.ok((reasons.get(reason) ?? 0) > 0, `no DLQ record with reason ${reason}: ${JSON.stringify([...reasons])}`);
    }
  });

  it('dead-letters a record the processor cannot handle, with the processing error and its original bytes, and keeps the rest flowing', async () => {
    const t = await setup('poison', new EchoProcessor({ failPid: 1003 }));
    const messages = Array.from({ length: 20 }, (_, i) => goodMessage(i));
    // The poison record's protocol written as an overlong varint (0x8C 0x00 for 6): it decodes the
    // same, but encoding it again would give other bytes; the dead-letter topic must get these.
    const poison = messages[3]!.value;
    const protocolAt = 10 + 1 + poison[10]! / 2 + 1; // header, node length, node, vantage
    assert.equal(poison[protocolAt], 0x0c);
    messages[3] = { ...messages[3]!, value: Buffer.concat([poison.subarray(0, protocolAt), Buffer.from([0x8c, 0x00]), poison.subarray(protocolAt + 1)]) };
    await t.send(messages);
    const dlq = await readTopic(t.kafka, t.topics.dlq, 1);
    const out = await readTopic(t.kafka, t.topics.out, 19);
    await t.close();
    assert.equal(out.length, 19);
    assert.equal(dlq.length, 1);
    assert.match(dlq[0]!.headers[DLQ_HEADERS.error]!, /cannot process pid 1003/);
    assert.equal(halfCodec.decode(dlq[0]!.value!).pid, 1003);
    assert.deepEqual(dlq[0]!.value, messages[3]!.value, 'the original bytes, not the record encoded again');
  });

  it('retries a batch whose output cannot be produced instead of dead-lettering it', async () => {
    // INVALID_TOPIC_EXCEPTION (17) is not retriable for the producer, so the stream itself must retry.
    const t = await setup('outage', new EchoProcessor({ beforeFirstSend: () => broker.failRequests(0, 2, 17) }));
    // One key, so one partition and one batch: the two failures hit it and its retry.
    await t.send(Array.from({ length: 30 }, (_, i) => ({ ...goodMessage(i), key: 'one-partition' })));
    const out = await readTopic(t.kafka, t.topics.out, 30, 45_000);
    const dlqSize = await topicSize(t.kafka, t.topics.dlq);
    await t.close();
    assert.equal(dlqSize, 0, 'a produce failure is not the record\'s fault');
    assert.equal(new Set(out.map((m) => joinedCodec.decode(m.value!).half.client_port)).size, 30, 'every record made it (duplicates allowed)');
  });

  it('reports a consumer kafkajs gives up on as failed (the stage fails liveness), and not one it restarts', async () => {
    // A crash kafkajs does not restart from cannot be provoked on the embedded broker at will (it
    // takes a protocol error): the stream's CRASH listener is called as kafkajs calls it.
    const kafka = testKafka(broker.brokers);
    const crashListeners: ((event: ConsumerCrashEvent) => void)[] = [];
    const watched = Object.assign(Object.create(kafka) as Kafka, {
      consumer(config: ConsumerConfig) {
        const consumer = kafka.consumer(config);
        const on = consumer.on.bind(consumer) as (event: string, listener: (event: ConsumerCrashEvent) => void) => () => void;
        return Object.assign(consumer, {
          on: (event: string, listener: (event: ConsumerCrashEvent) => void) => {
            if (event === consumer.events.CRASH) crashListeners.push(listener);
            return on(event, listener);
          },
        });
      },
    });
    const t = await setup('crash', new EchoProcessor(), 100, watched);
    try {
      assert.equal(crashListeners.length, 1);
      const crash = (restart: boolean) => crashListeners[0]!({ id: '0', type: 'consumer.crash', timestamp: Date.now(), payload: { error: new Error('SyncGroup failed'), groupId: 'crash-group', restart } });
      assert.equal(t.stream.failure(), null);
      crash(true);
      assert.equal(t.stream.failure(), null, 'kafkajs restarts it: not a failure');
      crash(false);
      assert.match(t.stream.failure() ?? '', /does not restart it: SyncGroup failed/);
    } finally {
      await t.close();
    }
  });

  it('commits an offset only when every record at or below it is done', async () => {
    const processor = new EchoProcessor({ holdPid: 1005 });
    const t = await setup('hold', processor);
    const messages = Array.from({ length: 40 }, (_, i) => goodMessage(i));
    await t.send(messages);
    await readTopic(t.kafka, t.topics.out, 39);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await t.close();
    assert.equal(processor.held.length, 1);
    const heldRecord = processor.held[0]!;
    const committed = await committedOffsets(t.kafka, 'hold-group', t.topics.in);
    assert.equal(committed.get(heldRecord.partition), Number(heldRecord.offset), 'commit stops at the held record');
    const sizes = await topicSize(t.kafka, t.topics.in);
    const others = [...committed].filter(([p]) => p !== heldRecord.partition).reduce((a, [, o]) => a + Math.max(o, 0), 0);
    assert.equal(others + Number(heldRecord.offset) < sizes, true);
  });
});
