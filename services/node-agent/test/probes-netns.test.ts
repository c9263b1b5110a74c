/**
 * Connectivity probes across network-namespace "nodes": three nodes in two
 * zones registered in the Kubernetes API stand-in and synced to Redis by a real
 * metadata-sync replica, an agent (the CLI, own process) probing in each.
 * Every figure is read from the agents' /metrics.
 *
 * How the fault is made (our kernels have no netem): in the router namespace
 * every packet between node-a and node-b is policy-routed into a TUN device
 * where tun-delay.py holds it 20 ms before forwarding it on (40 ms added to
 * each round trip), and an nftables rule drops 20 % of node-a → node-b packets
 * (`numgen random mod 100 < 20 drop`, one direction, so a round trip loses 20 %).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { type MockBroker, startMockBroker } from '@flowmesh/lib';
import { samplesOf, sumOf } from '@flowmesh/lib/testing';
import { startEnvironment, type TestEnvironment } from '../../metadata-sync/test/support/environment.js';
import { JITTER_MAX_MS } from '../src/probes/prober.js';
import { agentPod, nodeObject, type ProbeAgent, startProbeAgent } from './support/probe-agent.js';
import { ProbeFabric } from './support/probe-fabric.js';

const HERE = fileURLToPath(new URL('./support/', import.meta.url));
const INTERVAL_MS = 1000;
const DNS_PORT = '5353';
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

interface RunningNode extends ProbeAgent {
  zone: string;
}

const pair = (source: string, destination: string) => ({ source, destination });

test('probes measure an injected delay and loss on one node pair only, follow nodes joining and leaving, and time DNS', { skip, timeout: 600_000 }, async (t) => {
  const env: TestEnvironment = await startEnvironment();
  t.after(() => env.stop());
  const broker: MockBroker = await startMockBroker();
  t.after(() => broker.stop());
  const replica = env.replica().start();
  t.after(() => replica.crash());
  const fabric = ProbeFabric.create(randomBytes(2).toString('hex'));
  t.after(() => fabric.destroy());
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flowmesh' } });

  const startNode = async (name: string, zone: string, dnsFlags: string[] = ['--probe-dns-names', '']): Promise<RunningNode> => {
    const node = fabric.addNode(name);
    env.standin.create(nodeObject(name, zone, node.ip));
    const flags = ['--probe-interval-ms', String(INTERVAL_MS), '--probe-resync-ms', '0', ...dnsFlags];
    return { zone, ...(await startProbeAgent(fabric, node, { brokers: broker.bootstrap, redisUrl: env.redisServer.url, flags })) };
  };

  // DNS: a resolver the test runs, in the router namespace, reachable from node-a
  const dns = fabric.spawnIn(fabric.router, process.execPath, [`${HERE}dns-server.mjs`, '0.0.0.0', DNS_PORT, 'ok.i21.test=10.9.9.9']);
  await dns.waitForLine(/^DNS-READY$/);
  const nodes = [
    await startNode('node-a', 'zone-1', ['--probe-dns-names', 'ok.i21.test,missing.i21.test', '--probe-dns-resolvers', `10.221.1.1:${DNS_PORT}`, '--probe-dns-timeout-ms', '1000']),
    await startNode('node-b', 'zone-1'),
    await startNode('node-c', 'zone-2'),
  ];
  const [a, b, c] = nodes as [RunningNode, RunningNode, RunningNode];
  for (const n of nodes) env.standin.create(agentPod(n.node.name, n.node.ip, true));

  const pairs = (among: RunningNode[]) => among.flatMap((s) => among.filter((d) => d !== s).map((d) => ({ from: s, to: d })));
  const waitUntil = async (what: string, condition: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  const results = async (from: RunningNode, to: string, test: 'udp' | 'tcp', result?: string) =>
    sumOf(await from.metrics(), `kconmon_${test}_results_total`, { ...pair(from.node.name, to), ...(result ? { result } : {}) });

  await t.test('every agent probes every other agent, with node and zone labels', async () => {
    await waitUntil('each agent to have probed both others', async () => {
      for (const { from, to } of pairs(nodes)) if ((await results(from, to.node.name, 'tcp')) < 2 || (await results(from, to.node.name, 'udp')) < 2) return false;
      return true;
    });
    const samples = await a.metrics();
    const [toC] = samplesOf(samples, 'kconmon_udp_duration_milliseconds', pair('node-a', 'node-c'));
    assert.deepEqual({ ...toC?.labels, service: undefined }, { source: 'node-a', destination: 'node-c', source_zone: 'zone-1', destination_zone: 'zone-2', service: undefined });
    for (const { from, to } of pairs(nodes)) {
      assert.equal(await results(from, to.node.name, 'tcp', 'fail'), 0, `${from.node.name} → ${to.node.name}: no TCP failure on a clean path`);
    }
  });

  /**
   * Figures per ordered pair over a window: UDP loss from the packet counters; round trips as
   * medians of the kconmon gauges' value after each test (medians: a busy machine adds outliers).
   */
  const measure = async (windowMs: number) => {
    type Figures = { udp: number[]; tcpConnect: number[]; tcpRequest: number[]; udpSeen: number; tcpSeen: number };
    const figures = new Map<string, Figures>();
    const key = (from: RunningNode, to: RunningNode) => `${from.node.name}>${to.node.name}`;
    const snapshot = async () => new Map(await Promise.all(nodes.map(async (n) => [n.node.name, await n.metrics()] as const)));
    const start = await snapshot();
    const deadline = Date.now() + windowMs;
    while (Date.now() < deadline) {
      for (const from of nodes) {
        const samples = await from.metrics();
        for (const to of nodes.filter((n) => n !== from)) {
          const labels = pair(from.node.name, to.node.name);
          const udpTests = sumOf(samples, 'kconmon_udp_results_total', labels);
          const tcpTests = sumOf(samples, 'kconmon_tcp_results_total', labels);
          const f = figures.get(key(from, to)) ?? { udp: [], tcpConnect: [], tcpRequest: [], udpSeen: udpTests, tcpSeen: tcpTests };
          if (udpTests !== f.udpSeen && samplesOf(samples, 'kconmon_udp_duration_milliseconds', labels).length) f.udp.push(sumOf(samples, 'kconmon_udp_duration_milliseconds', labels));
          if (tcpTests !== f.tcpSeen && samplesOf(samples, 'kconmon_tcp_connect_milliseconds', labels).length) {
            const connect = sumOf(samples, 'kconmon_tcp_connect_milliseconds', labels);
            f.tcpConnect.push(connect);
            f.tcpRequest.push(sumOf(samples, 'kconmon_tcp_duration_milliseconds', labels) - connect);
          }
          Object.assign(f, { udpSeen: udpTests, tcpSeen: tcpTests });
          figures.set(key(from, to), f);
        }
      }
      await sleep(100);
    }
    const end = await snapshot();
    return (from: RunningNode, to: RunningNode) => {
      const labels = pair(from.node.name, to.node.name);
      const delta = (name: string, extra: Record<string, string> = {}) => sumOf(end.get(from.node.name)!, name, { ...labels, ...extra }) - sumOf(start.get(from.node.name)!, name, { ...labels, ...extra });
      const answered = delta('flowmesh_probe_udp_packets_total', { result: 'answered' });
      const lost = delta('flowmesh_probe_udp_packets_total', { result: 'lost' });
      const f = figures.get(key(from, to))!;
      return {
        udpMs: median(f.udp),
        udpLossPercent: (100 * lost) / (answered + lost),
        udpPackets: answered + lost,
        tcpConnectMs: median(f.tcpConnect),
        tcpRequestMs: median(f.tcpRequest),
        tests: Math.min(f.udp.length, f.tcpConnect.length),
      };
    };
  };
  const ROUND_TRIPS = ['udpMs', 'tcpConnectMs', 'tcpRequestMs'] as const;
  /** Both directions of node-a ↔ node-b, each with the same source's path to node-c in the same window. */
  const faultedPair = (figures: Awaited<ReturnType<typeof measure>>, report: (line: string) => void) =>
    ([[a, b], [b, a]] as const).map(([from, to]) => {
      const now = figures(from, to);
      const control = figures(from, c);
      const what = `${from.node.name} → ${to.node.name} ${JSON.stringify(now)} (→ node-c: ${JSON.stringify(control)})`;
      report(what);
      return { from, to, now, control, what };
    });

  await t.test('40 ms and 20 % loss between node-a and node-b show on that pair only', async (st) => {
    await fabric.injectFault(a.node, b.node, 20, 20);
    await sleep(3 * INTERVAL_MS);
    const faulty = await measure(35_000);
    for (const { from, to, now, control, what } of faultedPair(faulty, (line) => st.diagnostic(line))) {
      assert.ok(now.udpPackets >= 100, `enough packets to judge loss: ${what}`);
      assert.ok(now.tests >= 10, `enough tests: ${what}`);
      for (const figure of ROUND_TRIPS) assert.ok(Math.abs(now[figure] - control[figure] - 40) <= 10, `${figure} +40 ms ±10: ${what}`);
      assert.ok(Math.abs(now.udpLossPercent - 20) <= 10, `UDP loss 20 % ±10: ${what}`);
      assert.ok((await results(from, to.node.name, 'udp', 'fail')) > 0, `lossy UDP tests count as failures: ${what}`);
    }
    for (const { from, to } of pairs(nodes).filter(({ from, to }) => from === c || to === c)) {
      const now = faulty(from, to);
      const what = `${from.node.name} → ${to.node.name} ${JSON.stringify(now)}`;
      // well below the 40 ms added on node-a ↔ node-b (the machine's own load moves these by a few ms)
      for (const figure of ROUND_TRIPS) assert.ok(now[figure] < 20, `other pairs keep their round trips (${figure}): ${what}`);
      assert.ok(now.udpLossPercent < 5, `other pairs lose (almost) nothing: ${what}`);
    }
  });

  await t.test('removing the fault brings the pair back', async (st) => {
    await fabric.clearFault();
    await sleep(3 * INTERVAL_MS);
    const healed = await measure(10_000);
    for (const { now, control, what } of faultedPair(healed, (line) => st.diagnostic(line))) {
      for (const figure of ROUND_TRIPS) assert.ok(Math.abs(now[figure] - control[figure]) <= 10, `${figure} back to the other paths' ±10 ms: ${what}`);
      assert.ok(now.udpLossPercent < 5, `no loss: ${what}`);
    }
  });

  await t.test('DNS: a name that resolves is timed and passes; one that does not is counted as a failure', async () => {
    const samples = await a.metrics();
    const labels = { source: 'node-a', destination: `10.221.1.1:${DNS_PORT}` };
    assert.ok(sumOf(samples, 'kconmon_dns_results_total', { ...labels, host: 'ok.i21.test', result: 'pass' }) >= 3);
    assert.equal(sumOf(samples, 'kconmon_dns_results_total', { ...labels, host: 'ok.i21.test', result: 'fail' }), 0);
    assert.ok(sumOf(samples, 'kconmon_dns_results_total', { ...labels, host: 'missing.i21.test', result: 'fail' }) >= 3);
    assert.equal(sumOf(samples, 'kconmon_dns_results_total', { ...labels, host: 'missing.i21.test', result: 'pass' }), 0);
    const [duration] = samplesOf(samples, 'kconmon_dns_duration_milliseconds', { ...labels, host: 'ok.i21.test' });
    assert.ok(duration && duration.value > 0 && duration.value < 1000, `a measured duration: ${duration?.value}`);
  });

  await t.test('a node without an agent is reported as such, never probed; a new node is probed within one interval', async (st) => {
    env.standin.create(nodeObject('node-e', 'zone-1', '10.221.99.2'));
    await waitUntil('node-e reported as agent_missing', async () => {
      for (const n of nodes) if (sumOf(await n.metrics(), 'flowmesh_probe_peer_skipped', { destination: 'node-e', reason: 'agent_missing' }) !== 1) return false;
      return true;
    });
    const d = await startNode('node-d', 'zone-2');
    env.standin.create(agentPod('node-d', d.node.ip, false));
    await waitUntil('node-d reported as agent_not_ready', async () => sumOf(await a.metrics(), 'flowmesh_probe_peer_skipped', { destination: 'node-d', reason: 'agent_not_ready' }) === 1);
    env.standin.apply(agentPod('node-d', d.node.ip, true));
    const readyAt = Date.now();
    const firstProbe = new Map<string, number>();
    await waitUntil('every agent to probe node-d', async () => {
      for (const n of nodes) if (!firstProbe.has(n.node.name) && (await results(n, 'node-d', 'udp')) > 0) firstProbe.set(n.node.name, Date.now() - readyAt);
      return firstProbe.size === nodes.length;
    });
    st.diagnostic(`first probe of node-d after its agent got ready, ms: ${JSON.stringify(Object.fromEntries(firstProbe))}`);
    for (const [name, ms] of firstProbe) {
      // one interval plus the jitter, plus what the view and the scrape loop add
      assert.ok(ms <= INTERVAL_MS + JITTER_MAX_MS + 700, `${name} probed node-d ${ms} ms after its agent got ready`);
    }
    for (const n of [...nodes, d]) {
      const samples = await n.metrics();
      assert.equal(sumOf(samples, 'kconmon_udp_results_total', { destination: 'node-e' }) + sumOf(samples, 'kconmon_tcp_results_total', { destination: 'node-e' }), 0, 'node-e is never probed');
    }
    nodes.push(d);
  });

  await t.test('a node deleted from the API stops being probed and no failure is counted for it', async (st) => {
    const others = nodes.filter((n) => n !== c);
    const fails = async () => {
      let sum = 0;
      for (const n of others) for (const test of ['udp', 'tcp'] as const) sum += await results(n, 'node-c', test, 'fail');
      return sum;
    };
    const failsBefore = await fails();
    st.diagnostic(`failures counted for node-c before its deletion (load on this machine): ${failsBefore}`);
    env.standin.remove('v1', 'Pod', 'flowmesh-agent-node-c', 'flowmesh');
    env.standin.remove('v1', 'Node', 'node-c');
    // the node goes away as soon as the view says it is deleted (the agents may not have heard yet)
    await waitUntil('the view to tombstone node-c', async () => ((JSON.parse((await env.redis.get('km:v1:node:node-c')) ?? '[]') as { deletedAt: number | null }[])[0]?.deletedAt ?? null) !== null);
    await c.agent.stop();
    const totals = async () => {
      let sum = 0;
      for (const n of others) for (const test of ['udp', 'tcp'] as const) sum += await results(n, 'node-c', test);
      return sum;
    };
    const afterDelete = await totals();
    await sleep(4 * INTERVAL_MS);
    assert.equal(await totals(), afterDelete, 'no test of node-c after its deletion');
    assert.equal(await fails(), failsBefore, 'no failure counted for the deleted node');
    for (const n of others) {
      const samples = await n.metrics();
      assert.equal(samplesOf(samples, 'kconmon_udp_duration_milliseconds', { destination: 'node-c' }).length, 0, 'its gauges are gone');
      const still = others.find((o) => o !== n)!.node.name;
      assert.ok(sumOf(samples, 'kconmon_udp_results_total', { destination: still, result: 'pass' }) > 0, 'the others are still probed');
    }
  });
});
