/** The agent as a service: synthetic source end to end on the embedded broker, ops endpoints, start-up checks. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ConfigError, loadConfig, RecordCodec, startMockBroker, TOPICS, type MockBroker } from '@flowmesh/lib';
import { readTopic, testKafka } from '@flowmesh/lib/testing';
import { agentOptions, CapabilityError, nodeAgentCommand, runAgent } from '../src/index.js';

let broker: MockBroker | undefined;
after(() => broker?.stop());

function config(flags: Record<string, unknown>) {
  return loadConfig(agentOptions, { env: {}, flags: { httpPort: 0, httpHost: '127.0.0.1', logLevel: 'warn', kafkaPartitions: 4, ...flags } });
}

test('--source synthetic publishes keyed synthetic halves every window and serves metrics and health', { timeout: 30_000 }, async () => {
  broker = await startMockBroker();
  await broker.createTopic(TOPICS.halves, 4);
  const agent = await runAgent(config({ source: 'synthetic', kafkaBrokers: broker.brokers, exportIntervalMs: 500, syntheticRate: 40, nodeName: 'ignored' }), { installSignalHandlers: false });
  try {
    const kafka = testKafka(broker.brokers);
    const messages = await readTopic(kafka, TOPICS.halves, 50, 15_000);
    assert.ok(messages.length >= 50, `got ${messages.length} halves`);
    const codec = RecordCodec.local('FlowHalf');
    for (const message of messages) {
      const half = codec.decode(message.value!);
      assert.equal(half.synthetic, true);
      assert.equal(message.key?.toString(), `${half.protocol}|${half.client_ip}|${half.client_port}`);
      assert.doesNotMatch(half.cmdline, /hunter2|s3cret-pw|tok_live/, 'command lines are redacted');
    }

    const base = `http://127.0.0.1:${agent.httpPort}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'flowmesh_agent_conversations_tracked',
      'flowmesh_agent_halves_published_total',
      'flowmesh_agent_map_full_drops_total',
      'flowmesh_agent_drain_duration_seconds',
      'flowmesh_agent_publish_errors_total',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(metrics, /^flowmesh_agent_halves_published_total\{[^}]*vantage="SRC"[^}]*\} [1-9]/m);
  } finally {
    await agent.shutdown('test done');
  }
});

test('without what eBPF needs, the agent refuses to start and says what is missing', async () => {
  const problem = await runAgent(config({ source: 'ebpf', kafkaBrokers: ['127.0.0.1:1'], probeLoader: '/nonexistent/flowprobe-loader' }), { installSignalHandlers: false }).then(
    () => assert.fail('started'),
    (error: unknown) => error,
  );
  assert.ok(problem instanceof CapabilityError);
  assert.match(problem.message, /probe not built: \/nonexistent\/flowprobe-loader/);
  assert.match(problem.message, /--source synthetic/);
});

test('configuration problems are reported together', () => {
  const bad = config({ kafkaBrokers: ['k:9092'], netns: '/nonexistent/netns', redactRules: ['(unclosed'] });
  const problems = nodeAgentCommand.validate!(bad);
  assert.equal(problems.length, 2);
  assert.match(problems.join('\n'), /--netns \/nonexistent\/netns/);
  assert.match(problems.join('\n'), /--redact-rules: redaction rule/);
  assert.throws(() => config({ kafkaBrokers: ['k:9092'], source: 'magic' }), ConfigError);
});
