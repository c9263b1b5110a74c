/**
 * Hand-over between members on the embedded broker: a second joiner joins the
 * group in the middle of a stream and takes half the partitions. No half may
 * be lost, and no member may emit a half twice (the first one drops what it
 * held for the revoked partitions; the new owner re-reads and joins it). When
 * partitions come back to a member that had them (the newcomer left, or
 * failed its group sync), that member re-reads from the commit and must
 * withhold the records it produced before. A member crashing is the crash
 * test's business.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createLogger, createRegistry, Health, loadConfig, startMockBroker, type MockBroker } from '@flowmesh/lib';
import { testKafka, topicSize } from '@flowmesh/lib/testing';
import { joinerOptions, startJoiner, type JoinerConfig, type RunningJoiner } from '../src/index.js';
import { createJoinTopics, halfIdentity, HalfProducer, joinerFlags, plain, readJoined, type JoinTopics, type OutputRecord } from './support/broker-fixture.js';
import { generateScenario, type GeneratedHalf } from './support/flow-scenario.js';
import { expectedRecord } from './support/reference-join.js';

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

interface Member {
  name: string;
  joiner: RunningJoiner;
  health: Health;
  /** Identities of the halves this member produced, with how often. */
  produced: Map<string, number>;
}

/** Every member a test started, crashed ones included. */
let allMembers: Member[] = [];

async function startMember(config: JoinerConfig, name: string): Promise<Member> {
  const produced = new Map<string, number>();
  const health = new Health();
  const context = { logger: createLogger(name, 'warn'), registry: createRegistry(name), health, signal: new AbortController().signal };
  const joiner = await startJoiner(context, config, {
    observe: (emissions) => {
      for (const { record } of emissions) produced.set(halfIdentity(record.half), (produced.get(halfIdentity(record.half)) ?? 0) + 1);
    },
  });
  const member = { name, joiner, health, produced };
  allMembers.push(member);
  return member;
}

/**
 * A consumer joins the group, takes its share of the partitions without reading
 * them, and leaves. The embedded broker now and then fails a newcomer's group
 * sync (kafkajs then gives the consumer up): the visit is tried again.
 */
async function visitGroup(kafka: Kafka, topics: JoinTopics): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const visitor = kafka.consumer({ groupId: topics.groupId, sessionTimeout: 6_000, heartbeatInterval: 600 });
    const outcome = new Promise<'joined' | 'crashed'>((resolve) => {
      visitor.on(visitor.events.GROUP_JOIN, () => resolve('joined'));
      visitor.on(visitor.events.CRASH, () => resolve('crashed'));
    });
    await visitor.connect();
    await visitor.subscribe({ topic: topics.input, fromBeginning: true });
    await visitor.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    const result = await outcome;
    await visitor.disconnect().catch(() => undefined);
    if (result === 'joined') return;
    if (attempt === 3) throw new Error('the visitor could not join the group three times');
  }
}

/**
 * Whether some member has produced (and the broker acknowledged) a record for
 * every half. The output's size says nothing: duplicates across members make
 * up for halves not yet produced.
 */
function everyHalfProduced(halves: readonly GeneratedHalf[]): boolean {
  return halves.every(({ half }) => allMembers.some((member) => member.produced.has(halfIdentity(half))));
}

/** Every half is in the output as the reference join says, and no member produced one twice. */
function assertEachHalfOnce(output: readonly OutputRecord[], halves: readonly GeneratedHalf[]): void {
  const byIdentity = new Map(halves.map((h) => [halfIdentity(h.half), h]));
  const seen = new Set<string>();
  for (const { record } of output) {
    const identity = halfIdentity(record.half);
    const source = byIdentity.get(identity);
    assert.ok(source, identity);
    assert.deepEqual(plain(record), plain(expectedRecord(source, record.match)), identity);
    seen.add(identity);
  }
  assert.deepEqual(halves.filter((h) => !seen.has(halfIdentity(h.half))).map((h) => halfIdentity(h.half)), [], 'no half lost');
  for (const member of allMembers) {
    const twice = [...member.produced].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], `${member.name} emitted no half twice`);
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeEach(() => {
  allMembers = [];
});

test('a member joining mid-stream: no half lost, none emitted twice by a member', { timeout: 90_000 }, async (t) => {
  const topics = await createJoinTopics(broker, 4);
  const config = loadConfig(joinerOptions, { env: {}, flags: joinerFlags(broker, topics, { logLevel: 'warn' }) });
  const scenario = generateScenario({
    seed: 99,
    connections: 600,
    spanWindows: 40,
    skewWindows: 1,
    graceMs: 10_000,
    lateProbability: 0.02,
    silentAgentProbability: 0.1,
    dropProbability: 0.03,
  });
  const halves = scenario.halves;
  const kafka = testKafka(broker.brokers);
  const producer = await HalfProducer.connect(broker, topics.input);

  const members: Member[] = [];
  let output: Awaited<ReturnType<typeof readJoined>>;
  try {
    const first = await startMember(config, 'joiner-1');
    members.push(first);
    const third = Math.floor(halves.length / 3);
    await producer.send(halves.slice(0, third), 100);
    await waitFor(async () => (await topicSize(kafka, topics.output)) > third / 3, 20_000, 'the first member to produce');
    // Input keeps flowing while the second member joins, so the first still holds halves when it gives partitions up.
    const sending = producer.send(halves.slice(third, 2 * third), 20);
    let second = await startMember(config, 'joiner-2');
    members.push(second);
    await sending;
    // The rest goes out before waiting for the second member: if the first one had read and
    // committed everything before the assignment moved, the second has nothing to produce until then.
    await producer.send(halves.slice(2 * third), 100);
    await waitFor(
      async () => {
        if (!second.health.live().ok) {
          // The embedded broker now and then fails a SyncGroup; kafkajs gives that consumer up and
          // /healthz fails. Kubernetes would restart the member: so does the test.
          await second.joiner.stop().catch(() => undefined);
          members.splice(members.indexOf(second), 1);
          second = await startMember(config, `joiner-2 (restarted: ${second.health.live().checks['kafka-consumer']})`);
          members.push(second);
        }
        return second.produced.size > 0;
      },
      30_000,
      'the second member to produce',
    );
    await waitFor(
      async () => everyHalfProduced(halves) && first.joiner.core.pending + second.joiner.core.pending === 0,
      30_000,
      'every half to be produced',
    );
    output = await readJoined(broker, topics.output, await topicSize(kafka, topics.output));
  } finally {
    // A failed run must not leave consumers retrying (the test process would never end).
    for (const member of members) await member.joiner.stop().catch(() => undefined);
    await producer.close();
  }
  const first = allMembers[0]!;
  const second = allMembers.at(-1)!;

  assertEachHalfOnce(output, halves);
  assert.ok(first.joiner.core.stats.handedOver > 0, 'the first member handed waiting halves over');
  t.diagnostic(
    `rebalance: ${JSON.stringify({
      halves: halves.length,
      outputRecords: output.length,
      duplicatesAcrossMembers: output.length - halves.length,
      handedOver: first.joiner.core.stats.handedOver,
      rereadCounted: second.joiner.progress.counts.rereads,
      withheldByFirst: first.joiner.progress.counts.withheld,
      restarts: allMembers.length - 2,
    })}`,
  );
});

test('partitions that leave a member and come back: it withholds what it had produced, and loses nothing', { timeout: 90_000 }, async (t) => {
  const topics = await createJoinTopics(broker, 4);
  // Waiting halves must still be held when the visitor comes: no idle release while it rebalances.
  const config = loadConfig(joinerOptions, { env: {}, flags: joinerFlags(broker, topics, { logLevel: 'warn', idleTimeoutMs: 10_000 }) });
  const halves = generateScenario({ seed: 7, connections: 300, spanWindows: 30, skewWindows: 1, graceMs: 10_000, lateProbability: 0.02, silentAgentProbability: 0.1, dropProbability: 0.03 }).halves;
  const kafka = testKafka(broker.brokers);
  const producer = await HalfProducer.connect(broker, topics.input);
  let member: Member | undefined;
  let output: OutputRecord[];
  try {
    member = await startMember(config, 'joiner-1');
    const third = Math.floor(halves.length / 3);
    await producer.send(halves.slice(0, third), 100);
    await waitFor(async () => (await topicSize(kafka, topics.output)) > third / 3, 20_000, 'the member to produce');
    // A visitor joins the group, takes partitions without reading them, and leaves again: they go
    // back to the member, which re-reads them from its own last commit. Input keeps flowing meanwhile.
    const sending = producer.send(halves.slice(third, 2 * third), 20);
    await visitGroup(kafka, topics);
    await sending;
    await producer.send(halves.slice(2 * third), 100);
    await waitFor(
      async () => everyHalfProduced(halves) && member!.joiner.core.pending === 0,
      40_000,
      'every half to be produced',
    );
    output = await readJoined(broker, topics.output, await topicSize(kafka, topics.output));
  } finally {
    await member?.joiner.stop().catch(() => undefined);
    await producer.close();
  }
  assertEachHalfOnce(output, halves);
  const { counts } = member.joiner.progress;
  assert.ok(member.joiner.core.stats.handedOver > 0, 'the member dropped waiting halves when the visitor took partitions');
  assert.ok(counts.withheld > 0, 'records re-read after the partitions came back were withheld');
  assert.equal(output.length, halves.length, 'no duplicates at all: the visitor produced nothing');
  t.diagnostic(`partitions back: ${JSON.stringify({ halves: halves.length, handedOver: member.joiner.core.stats.handedOver, ...counts })}`);
});
