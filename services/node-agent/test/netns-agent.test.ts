/**
 * The acceptance test: two network namespaces ("node A", "node B")
 * joined by a veth pair, one full agent scoped to each publishing to the
 * embedded Kafka broker, a TCP client in A and server in B exchanging known
 * byte counts over several 1 s windows, and a UDP exchange from an
 * unconnected socket. Runs as root on a BTF kernel (CI); skips elsewhere.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, RecordCodec, startMockBroker, TOPICS, type FlowHalf, type MockBroker, type ServiceHandle } from '@flowmesh/lib';
import { readTopic, testKafka, topicSize } from '@flowmesh/lib/testing';
import { agentOptions, runAgent } from '../src/index.js';
import { probeProblems } from '../src/capabilities.js';
import { DEFAULT_LOADER_PATH } from '../src/probe/loader-process.js';
import { createNetnsPair, type NetnsPair } from './support/netns-pair.js';
import { NamedNode, startPeer, type PeerPlan } from './support/peer-process.js';

const BPF_DIR = fileURLToPath(new URL('../../../bpf/', import.meta.url));
const WINDOW_MS = 1000;
const TCP_PORT = 7400;
const UDP_PORT = 7401;

const PLAN: PeerPlan = {
  tcp: [
    { client: 100_000, server: 20_000, pauseMs: 1100 },
    { client: 300_000, server: 50_000, pauseMs: 1100 },
    { client: 7, server: 123_456 },
  ],
  // 5000 bytes leave as IP fragments over the 1500-byte veth
  udp: [100, 200, 1400, 5000].map((size) => ({ client: size, server: size + 1 })),
};
const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
const TCP_CLIENT_BYTES = sum(PLAN.tcp.map((p) => p.client));
const TCP_SERVER_BYTES = sum(PLAN.tcp.map((p) => p.server));
const UDP_CLIENT_BYTES = sum(PLAN.udp.map((p) => p.client));
const UDP_SERVER_BYTES = sum(PLAN.udp.map((p) => p.server));

// What the machine lacks, apart from the probe build this test does itself.
const missing = probeProblems({ loaderPath: process.execPath });
const skip = missing.length ? `eBPF not available here: ${missing.join('; ')}` : false;

let pair: NetnsPair | undefined;
let broker: MockBroker | undefined;
const agents: ServiceHandle[] = [];
const names = new NamedNode();

before(() => {
  if (skip) return;
  execFileSync('make', ['-s', '-C', BPF_DIR], { stdio: 'pipe' }); // a build failure fails the test
});

after(async () => {
  await Promise.allSettled(agents.map((agent) => agent.shutdown('test done')));
  await broker?.stop();
  pair?.destroy();
  names.dispose();
});

/** Resolves once every agent has collected a window that ended after `time` and Kafka took all its halves. */
async function published(time: number, deadlineMs = 20_000): Promise<void> {
  const value = async (agent: ServiceHandle, name: string) =>
    ((await agent.context.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  const windowsAt = await Promise.all(agents.map((agent) => value(agent, 'flowmesh_agent_windows_total')));
  // the window holding `time` ends at the next boundary; one more tick past it is a full drain later
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS - (time % WINDOW_MS) + 100));
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ready = await Promise.all(
      agents.map(async (agent, i) => (await value(agent, 'flowmesh_agent_windows_total')) > windowsAt[i]! && (await value(agent, 'flowmesh_agent_publish_buffered_halves')) === 0),
    );
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('agents did not publish the last window in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function agentConfig(node: string, netns: string, brokers: string[]) {
  return loadConfig(agentOptions, {
    env: {},
    flags: { nodeName: node, netns, kafkaBrokers: brokers, exportIntervalMs: WINDOW_MS, kafkaPartitions: 4, httpPort: 0, httpHost: '127.0.0.1', logLevel: 'warn', probeLoader: DEFAULT_LOADER_PATH },
  });
}

test('agents in two namespaces report both halves of TCP and UDP conversations exactly', { skip, timeout: 60_000 }, async () => {
  pair = createNetnsPair();
  broker = await startMockBroker();
  await broker.createTopic(TOPICS.halves, 4);
  agents.push(await runAgent(agentConfig('node-a', pair.a.path, broker.brokers), { installSignalHandlers: false }));
  agents.push(await runAgent(agentConfig('node-b', pair.b.path, broker.brokers), { installSignalHandlers: false }));

  const plan = JSON.stringify(PLAN);
  const server = startPeer({ netns: pair.b.name, executable: names.path('fm-server'), args: ['server', pair.b.ip, String(TCP_PORT), String(UDP_PORT), plan] });
  await server.waitFor('READY');
  const client = startPeer({ netns: pair.a.name, executable: names.path('fm-client'), args: ['client', pair.b.ip, String(TCP_PORT), String(UDP_PORT), plan] });
  await client.waitFor('DONE');
  assert.equal(await client.exited, 0);
  assert.equal(await server.exited, 0);
  await published(Date.now());

  const kafka = testKafka(broker.brokers);
  const messages = await readTopic(kafka, TOPICS.halves, await topicSize(kafka, TOPICS.halves), 20_000);
  const codec = RecordCodec.local('FlowHalf');
  const halves = messages.map((m) => ({ key: m.key?.toString() ?? '', half: codec.decode(m.value!) }));
  const ours = halves.filter(({ half }) => half.client_ip === pair!.a.ip && half.server_ip === pair!.b.ip);
  const select = (node: string, protocol: number) => ours.filter(({ half }) => half.node === node && half.protocol === protocol);
  const total = (list: { half: FlowHalf }[], field: 'bytes_sent' | 'bytes_received') => sum(list.map(({ half }) => half[field]));

  // TCP: exact payload bytes on each side, over several windows
  const tcpA = select('node-a', 6);
  const tcpB = select('node-b', 6);
  assert.ok(tcpA.length >= 2 && tcpB.length >= 2, `halves in several windows (A: ${tcpA.length}, B: ${tcpB.length})`);
  assert.equal(total(tcpA, 'bytes_sent'), TCP_CLIENT_BYTES);
  assert.equal(total(tcpA, 'bytes_received'), TCP_SERVER_BYTES);
  assert.equal(total(tcpB, 'bytes_sent'), TCP_SERVER_BYTES);
  assert.equal(total(tcpB, 'bytes_received'), TCP_CLIENT_BYTES);
  for (const { half } of tcpA) {
    assert.equal(half.vantage, 'SRC');
    assert.equal(half.pid, client.pid);
    assert.equal(half.process_name, 'fm-client');
    assert.equal(half.server_port, TCP_PORT);
    assert.equal(half.window_end - half.window_start, WINDOW_MS);
    assert.equal(half.window_start % WINDOW_MS, 0);
  }
  for (const { half } of tcpB) {
    assert.equal(half.vantage, 'DST');
    assert.equal(half.pid, server.pid);
    assert.equal(half.process_name, 'fm-server');
  }
  for (const side of [tcpA, tcpB]) {
    assert.ok(side.some(({ half }) => (half.srtt_us ?? 0) > 0), 'RTT measured');
    assert.equal(side.filter(({ half }) => half.opened).length, 1, 'opened in exactly one window');
    assert.equal(side.filter(({ half }) => half.closed).length, 1, 'closed in exactly one window');
  }
  const tcpKeys = new Set([...tcpA, ...tcpB].map(({ key }) => key));
  assert.equal(tcpKeys.size, 1, `one Kafka key for both halves: ${[...tcpKeys].join(', ')}`);
  assert.match([...tcpKeys][0]!, new RegExp(`^6\\|${pair.a.ip.replaceAll('.', '\\.')}\\|\\d+$`));

  // UDP from an unconnected socket (sendto/recvfrom) to an unconnected, wildcard-bound one
  const udpA = select('node-a', 17);
  const udpB = select('node-b', 17);
  assert.equal(total(udpA, 'bytes_sent'), UDP_CLIENT_BYTES);
  assert.equal(total(udpA, 'bytes_received'), UDP_SERVER_BYTES);
  assert.equal(total(udpB, 'bytes_sent'), UDP_SERVER_BYTES);
  assert.equal(total(udpB, 'bytes_received'), UDP_CLIENT_BYTES);
  assert.equal(sum(udpA.map(({ half }) => half.packets_sent)), PLAN.udp.length);
  assert.ok(udpA.every(({ half }) => half.vantage === 'SRC' && half.pid === client.pid && half.process_name === 'fm-client' && half.server_port === UDP_PORT));
  assert.ok(udpB.every(({ half }) => half.vantage === 'DST' && half.pid === server.pid && half.process_name === 'fm-server'));
  const udpKeys = new Set([...udpA, ...udpB].map(({ key }) => key));
  assert.equal(udpKeys.size, 1, `one Kafka key for both UDP halves: ${[...udpKeys].join(', ')}`);
  assert.ok([...udpKeys][0]!.startsWith(`17|${pair.a.ip}|`));
});
