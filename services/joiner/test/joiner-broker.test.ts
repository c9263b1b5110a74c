/** The joiner service as a whole on the embedded broker: generated halves in, every half out once, as the reference says. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig, startMockBroker, type MockBroker } from '@flowmesh/lib';
import { committedOffsets, testKafka, topicEnds, topicSize } from '@flowmesh/lib/testing';
import { joinerOptions, runJoiner } from '../src/index.js';
import { createJoinTopics, halfIdentity, HalfProducer, joinerFlags, metricValue, plain, readJoined } from './support/broker-fixture.js';
import { generateScenario } from './support/flow-scenario.js';
import { expectedRecord, onTimeOutcomes } from './support/reference-join.js';

let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

test('generated halves through the joiner service: each exactly once, keyed as input, matched as the reference says', async () => {
  const topics = await createJoinTopics(broker, 4);
  const config = loadConfig(joinerOptions, { env: {}, flags: joinerFlags(broker, topics, { logLevel: 'warn' }) });
  const handle = await runJoiner(config, { installSignalHandlers: false });
  const producer = await HalfProducer.connect(broker, topics.input);
  try {
    const scenario = generateScenario({
      seed: 77,
      connections: 300,
      spanWindows: 20,
      skewWindows: config.skewWindows,
      graceMs: config.graceMs,
      lateProbability: 0,
      silentAgentProbability: 0.08,
      dropProbability: 0.03,
    });
    await producer.send(scenario.halves);
    const output = await readJoined(broker, topics.output, scenario.halves.length);

    const expected = onTimeOutcomes(scenario.halves, config.skewWindows);
    const byIdentity = new Map(scenario.halves.map((h) => [halfIdentity(h.half), h]));
    assert.equal(byIdentity.size, scenario.halves.length, 'halves are identifiable');
    const seen = new Set<string>();
    for (const { key, record } of output) {
      const identity = halfIdentity(record.half);
      const source = byIdentity.get(identity);
      assert.ok(source, `output ${identity} comes from an input half`);
      assert.ok(!seen.has(identity), `${identity} produced once`);
      seen.add(identity);
      assert.equal(key, `${source.half.protocol}|${source.half.client_ip}|${source.half.client_port}`);
      assert.deepEqual(plain(record), plain(expectedRecord(source, expected.get(source)!)), identity);
    }
    assert.equal(seen.size, scenario.halves.length, 'every input half produced');

    const page = await (await fetch(`http://127.0.0.1:${handle.httpPort}/metrics`)).text();
    assert.equal(metricValue(page, 'flowmesh_joiner_halves_in_total'), scenario.halves.length);
    assert.equal(metricValue(page, 'flowmesh_joiner_records_out_total'), scenario.halves.length);
    assert.equal(metricValue(page, 'flowmesh_joiner_pending_halves'), 0);
    const matched = [...expected.values()].filter((m) => m === 'MATCHED').length;
    assert.match(page, new RegExp(`flowmesh_joiner_records_out_total\\{match="MATCHED",service="joiner"\\} ${matched}\\b`));
  } finally {
    await producer.close();
    await handle.shutdown('test done');
  }
});

test('shutdown drains: halves still waiting are emitted and the final commit covers every input offset', async () => {
  const topics = await createJoinTopics(broker, 2);
  const config = loadConfig(joinerOptions, { env: {}, flags: joinerFlags(broker, topics, { logLevel: 'warn', idleTimeoutMs: 600_000 }) });
  const handle = await runJoiner(config, { installSignalHandlers: false });
  const producer = await HalfProducer.connect(broker, topics.input);
  const kafka = testKafka(broker.brokers);
  try {
    const scenario = generateScenario({ seed: 5, connections: 100, spanWindows: 5, skewWindows: 1, graceMs: 10_000, lateProbability: 0, silentAgentProbability: 0.3, dropProbability: 0 });
    await producer.send(scenario.halves);
    const pendingAtEnd = async () => metricValue(await (await fetch(`http://127.0.0.1:${handle.httpPort}/metrics`)).text(), 'flowmesh_joiner_pending_halves');
    const deadline = Date.now() + 20_000;
    while ((await topicSize(kafka, topics.output)) + (await pendingAtEnd()) < scenario.halves.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await pendingAtEnd()) > 0, 'some halves are still waiting for a peer');
  } finally {
    await producer.close();
    await handle.shutdown('test done');
  }
  assert.equal(await topicSize(kafka, topics.output), await topicSize(kafka, topics.input), 'every waiting half was emitted on shutdown');
  assert.deepEqual(
    [...(await committedOffsets(kafka, topics.groupId, topics.input))].sort(),
    [...(await topicEnds(kafka, topics.input))].sort(),
    'committed up to the end: a restart re-reads nothing',
  );
});
