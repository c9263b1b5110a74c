/**
 * Idempotent SIEM ids across a crash: an enricher process writing ECS (then
 * OCSF) JSON is killed with SIGKILL half-way, and started again with no
 * committed offsets; it re-delivers what the first produced. Every copy of a
 * record must carry the same `event.id` / `metadata.uid` (so an index keyed by
 * it stays whole), and different records different ids.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { flowKey, RecordCodec, startChild, startMockBroker, type Child, type JoinedFlow, type MockBroker } from '@flowmesh/lib';
import { committedToEnd, readTopic, sampleHalf, sampleJoined, testKafka, topicSize, waitFor } from '@flowmesh/lib/testing';

const CHILD = fileURLToPath(new URL('./helpers/enricher-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const joinedCodec = RecordCodec.local('JoinedFlow');

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

/** Both halves of `conversations` client→server conversations, spread over windows. */
function joinedFlows(conversations: number): JoinedFlow[] {
  const flows: JoinedFlow[] = [];
  for (let i = 0; i < conversations; i++) {
    const window_start = 1_763_700_000_000 + (i % 6) * 10_000;
    const common = { client_port: 30_000 + i, window_start, window_end: window_start + 10_000, bytes_sent: 1000 + i };
    const client = sampleJoined({ half: sampleHalf({ ...common, vantage: 'SRC', node: 'node-a' }) });
    flows.push({ ...client, src: { ...client.src, port: 30_000 + i } });
    const server = sampleJoined({ half: sampleHalf({ ...common, vantage: 'DST', node: 'node-b', server_ip: '10.244.2.9', server_port: 8080, pid: 77, process_name: 'nginx' }) });
    flows.push({ ...server, src: { ...server.src, port: 30_000 + i } });
  }
  return flows;
}

async function startEnricherProcess(flags: Record<string, unknown>): Promise<Child> {
  const child = startChild(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(flags)], { cwd: REPO });
  // Assigned partitions: it reads from here on.
  await child.waitForLine(/consumer group assignment/, 60_000);
  return child;
}

const ID_OF = {
  ecs: (doc: any) => doc.event.id as string,
  ocsf: (doc: any) => doc.metadata.uid as string,
};

for (const shape of ['ecs', 'ocsf'] as const) {
  test(`kill -9 and re-delivery: every copy of a record has the same ${shape === 'ecs' ? 'event.id' : 'metadata.uid'}, different records different ids`, { timeout: 180_000 }, async (t) => {
    const id = randomUUID().slice(0, 8);
    const topics = { input: `joined-${id}`, output: `flows-${id}`, json: `flows-json-${id}`, dlq: `dlq-${id}` };
    for (const topic of Object.values(topics)) await broker.createTopic(topic, 4);
    const flags = {
      kafkaBrokers: broker.brokers, redisUrl: 'redis://127.0.0.1:1', inputTopic: topics.input, outputTopic: topics.output, jsonTopic: topics.json,
      dlqTopic: topics.dlq, groupId: `enricher-${id}`, httpPort: 0, httpHost: '127.0.0.1', logLevel: 'info', clusterId: 'test-cluster',
      jsonFormat: shape, sessionTimeoutMs: 6_000,
    };
    const flows = joinedFlows(300);
    const kafka = testKafka(broker.brokers);
    const producer = kafka.producer();
    await producer.connect();
    const send = async (batch: JoinedFlow[]) => {
      for (let i = 0; i < batch.length; i += 100) {
        await producer.send({ topic: topics.input, messages: batch.slice(i, i + 100).map((flow) => ({ key: flowKey(flow.half.protocol, flow.src.ip, flow.src.port), value: joinedCodec.encode(flow) })) });
      }
    };

    // The first process is killed after producing half the records. A caught-up stage commits at once, so the
    // crash often loses no commit; the restarted enricher therefore joins as a group with no commits (what a
    // crash before any commit leaves) and re-delivers everything the first one produced.
    const first = await startEnricherProcess(flags);
    const rest = send(flows.slice(0, flows.length / 2)).then(() => send(flows.slice(flows.length / 2)));
    await waitFor(async () => (await topicSize(kafka, topics.json)) >= flows.length / 2, 60_000, 'the first enricher to produce half the records');
    first.process.kill('SIGKILL');
    await rest;
    const producedBeforeKill = await topicSize(kafka, topics.json);

    const restarted = { ...flags, groupId: `${flags.groupId}-restarted`, fromBeginning: true, commitIntervalMs: 200 };
    const second = await startEnricherProcess(restarted);
    await waitFor(() => committedToEnd(kafka, restarted.groupId, topics.input), 90_000, 'the restarted enricher to produce every record');
    await second.stop('SIGTERM');
    assert.equal(second.process.exitCode, 0, 'the restarted enricher stops cleanly on SIGTERM');
    await producer.disconnect();

    const messages = await readTopic(kafka, topics.json, await topicSize(kafka, topics.json));
    const copies = new Map<string, string[]>();
    for (const message of messages) {
      const text = message.value!.toString();
      const recordId = ID_OF[shape](JSON.parse(text));
      copies.set(recordId, [...(copies.get(recordId) ?? []), text]);
    }
    const duplicates = messages.length - copies.size;
    t.diagnostic(`${shape}: ${JSON.stringify({ records: flows.length, documents: messages.length, producedBeforeKill, distinctIds: copies.size, duplicates })}`);
    assert.equal(copies.size, flows.length, 'one id per input record: different records, different ids; none missing');
    assert.ok(duplicates > 0, 'the crash made the enricher re-deliver records');
    for (const [recordId, texts] of copies) {
      for (const text of texts.slice(1)) assert.deepEqual(JSON.parse(text), JSON.parse(texts[0]!), `every copy of ${recordId} is the same document`);
    }
  });
}
