import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RecordCodec, freePort, startMockBroker, type MockBroker } from '@flowmesh/lib';
import { sampleEnriched, testKafka } from '@flowmesh/lib/testing';
import { runCli, runToEnd } from './support/cli-process.js';

// How long after its stop condition tail may take to exit (the "within a second").
const EXIT_WITHIN_MS = 1000;

describe('flowmesh tail', () => {
  let broker: MockBroker;
  const topic = 'flowmesh.flows.v1';
  const empty = 'tail-test-empty';

  before(async () => {
    broker = await startMockBroker();
    await broker.createTopic(topic, 3);
    await broker.createTopic(empty, 2);
    const producer = testKafka(broker.brokers).producer();
    await producer.connect();
    const codec = RecordCodec.local('EnrichedFlow');
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({ key: `6|10.0.0.${i}|4000${i}`, value: codec.encode(sampleEnriched({ src_port: 40000 + i, src_process_name: `proc-${i}` })) })),
    });
    await producer.disconnect();
  });
  after(async () => broker.stop());

  it('--max 3 prints three decoded records and exits 0 within a second of the third', async () => {
    const run = runCli(['tail', topic, '--from-beginning', '--max', '3', '--kafka-brokers', broker.bootstrap]);
    const third = await run.waitForLine('stdout', /./).then(() => waitForCount(run.stdout, 3));
    const exit = await run.exited;
    assert.equal(exit.code, 0);
    assert.equal(run.stdout.length, 3);
    for (const line of run.stdout) assert.match((JSON.parse(line.text) as { src_process_name: string }).src_process_name, /^proc-\d$/);
    assert.ok(exit.at - third.at < EXIT_WITHIN_MS, `exited ${exit.at - third.at} ms after the third record`);
  });

  it('--timeout 1 on an empty topic says what it reads and exits 0 about a second later', async () => {
    const run = runCli(['tail', empty, '--from-beginning', '--timeout', '1', '--kafka-brokers', broker.bootstrap]);
    const reading = await run.waitForLine('stderr', /reading tail-test-empty from the beginning \(0 records now\)/);
    const exit = await run.exited;
    assert.equal(exit.code, 0);
    assert.equal(run.stdout.length, 0);
    assert.ok(run.stderr.some((l) => /no record for 1 s \(--timeout\)/.test(l.text)));
    // The idle clock starts once the topic is found; the consumer's join comes after, so allow it on top.
    assert.ok(exit.at - reading.at < 1000 + EXIT_WITHIN_MS + 2000, `exited ${exit.at - reading.at} ms after starting to read`);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} (Ctrl-C) stops a tail that waits for new records within a second`, async () => {
      const run = runCli(['tail', topic, '--kafka-brokers', broker.bootstrap]);
      await run.waitForLine('stderr', /reading flowmesh\.flows\.v1 new records only/);
      // Let it reach the consumer loop (the signal must work there, where it used to be ignored).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const sent = Date.now();
      run.child.kill(signal);
      const exit = await run.exited;
      assert.equal(exit.code, 0);
      assert.ok(exit.at - sent < EXIT_WITHIN_MS, `exited ${exit.at - sent} ms after ${signal}`);
    });
  }

  it('a topic that does not exist is one line naming it and the topics there (exit 1), and is not created', async () => {
    const result = await runToEnd(['tail', 'flowmesh.flowz.v1', '--kafka-brokers', broker.bootstrap]);
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderr, [`flowmesh tail: topic flowmesh.flowz.v1 does not exist on ${broker.bootstrap} (topics there: ${[topic, empty].sort().join(', ')})`]);
    const admin = testKafka(broker.brokers).admin();
    await admin.connect();
    assert.equal((await admin.listTopics()).includes('flowmesh.flowz.v1'), false, 'the misspelt topic was created');
    await admin.disconnect();
  });

  it('an unreachable broker is one line naming it and --kafka-brokers, and tail gives up (exit 1)', async () => {
    const port = await freePort();
    const result = await runToEnd(["tail", topic, "--kafka-brokers", `127.0.0.1:${port}`]);
    assert.equal(result.code, 1);
    const said = `cannot reach 127.0.0.1:${port} (--kafka-brokers): connection refused`;
    assert.deepEqual(result.stderr, [`flowmesh tail: ${said}; retrying`, `flowmesh tail: ${said}; gave up`]);
  });
});

async function waitForCount(lines: { at: number }[], count: number): Promise<{ at: number }> {
  const deadline = Date.now() + 30_000;
  while (lines.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${lines.length} of ${count} lines`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return lines[count - 1]!;
}
