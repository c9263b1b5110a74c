/**
 * The crash test: a joiner process killed with SIGKILL in the middle of a
 * stream through the embedded broker, then started again. Every input half
 * must reach the output; duplicates are allowed, counted here from the output
 * and compared with what the restarted joiner's metrics say.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startChild, startMockBroker, type Child, type MockBroker } from '@flowmesh/lib';
import { topicSize, testKafka } from '@flowmesh/lib/testing';
import { committedToEnd, createJoinTopics, halfIdentity, HalfProducer, joinerFlags, metricValue, plain, readJoined } from './support/broker-fixture.js';
import { generateScenario } from './support/flow-scenario.js';
import { expectedRecord } from './support/reference-join.js';

const CHILD = fileURLToPath(new URL('./support/joiner-child.ts', import.meta.url));

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

interface JoinerProcess {
  child: Child;
  httpPort: number;
  metrics(): Promise<string>;
}

async function startJoinerProcess(flags: Record<string, unknown>): Promise<JoinerProcess> {
  const child = startChild(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(flags)], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  const port = child.waitForLine(/"httpPort":(\d+)/, 30_000);
  // After a SIGKILL the dead member holds its partitions until its session times out (kafkajs: 30 s).
  const assigned = child.waitForLine(/consumer group assignment/, 60_000);
  const httpPort = Number((await port)[1]);
  await assigned;
  return { child, httpPort, metrics: async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text() };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('kill -9 mid-stream and restart: every half reaches the output, duplicates counted', { timeout: 120_000 }, async (t) => {
  const topics = await createJoinTopics(broker, 4);
  const flags = joinerFlags(broker, topics);
  const scenario = generateScenario({
    seed: 4711,
    connections: 1200,
    spanWindows: 60,
    skewWindows: 1,
    graceMs: 10_000,
    lateProbability: 0.02,
    silentAgentProbability: 0.08,
    dropProbability: 0.03,
  });
  const halves = scenario.halves;
  const kafka = testKafka(broker.brokers);
  const producer = await HalfProducer.connect(broker, topics.input);

  const first = await startJoinerProcess(flags);
  const cut = Math.floor(halves.length / 2);
  await producer.send(halves.slice(0, cut), 200);
  await waitFor(async () => (await topicSize(kafka, topics.output)) >= cut / 3, 30_000, 'the first joiner to produce');
  // Killed while the rest is being produced and consumed.
  const rest = producer.send(halves.slice(cut), 200);
  await new Promise((resolve) => setTimeout(resolve, 150));
  first.child.process.kill('SIGKILL');
  const producedBeforeKill = await topicSize(kafka, topics.output);
  await rest;

  const second = await startJoinerProcess(flags);
  await waitFor(
    () => committedToEnd(kafka, topics.groupId, topics.input),
    60_000,
    'the restarted joiner to produce every half',
  );
  const page = await second.metrics();
  const output = await readJoined(broker, topics.output, await topicSize(kafka, topics.output));
  await producer.close();
  await second.child.stop('SIGTERM');
  assert.equal(second.child.process.exitCode, 0, 'the restarted joiner stops cleanly on SIGTERM');

  const byIdentity = new Map(halves.map((h) => [halfIdentity(h.half), h]));
  const copies = new Map<string, number>();
  for (const { record } of output) {
    const identity = halfIdentity(record.half);
    const source = byIdentity.get(identity);
    assert.ok(source, `output ${identity} comes from an input half`);
    // A re-read half may pair differently the second time; what it reports must still be true.
    assert.deepEqual(plain(record), plain(expectedRecord(source, record.match)), identity);
    copies.set(identity, (copies.get(identity) ?? 0) + 1);
  }
  const missing = halves.filter((h) => !copies.has(halfIdentity(h.half)));
  const duplicates = output.length - copies.size;
  const report = {
    halves: halves.length,
    outputRecords: output.length,
    producedBeforeKill,
    missing: missing.length,
    duplicates,
    metricDuplicates: metricValue(page, 'flowmesh_joiner_duplicates_total'),
    metricRereads: metricValue(page, 'flowmesh_joiner_reread_halves_total'),
  };
  t.diagnostic(`crash test: ${JSON.stringify(report)}`);
  assert.equal(missing.length, 0, `halves missing from the output: ${missing.slice(0, 5).map((h) => halfIdentity(h.half)).join(', ')}`);
  assert.ok(report.metricDuplicates <= duplicates, 'the metric counts only duplicates that happened (as of the last commit)');
  assert.ok(report.metricRereads >= report.metricDuplicates, 'a duplicate is a re-read that had been produced');
});
