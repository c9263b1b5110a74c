/** The probe parts on their own: peer selection, the UDP/TCP/DNS tests on loopback, the peer directory on a real view, config checks, metrics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { freePort, KubemetaKeys, loadConfig, type NodeRecord, type PodRecord } from '@flowmesh/lib';
import { parsePrometheusText, sumOf } from '@flowmesh/lib/testing';
import { startEnvironment, settle } from '../../metadata-sync/test/support/environment.js';
import { agentOptions, agentProblems } from '../src/index.js';
import { dnsResolver, dnsTest } from '../src/probes/dns-probe.js';
import { PeerDirectory } from '../src/probes/peer-directory.js';
import { selectPeers, type PeerSelection } from '../src/probes/peers.js';
import { ProbeMetricsRecorder, probeMetrics } from '../src/probes/probe-metrics.js';
import { startResponder } from '../src/probes/responder.js';
import { tcpTest } from '../src/probes/tcp-probe.js';
import { UdpProber, udpFigures } from '../src/probes/udp-probe.js';
// @ts-expect-error plain JS test helper without types
import { startDnsServer } from './support/dns-server.mjs';

const node = (name: string, zone: string | null, extra: Partial<NodeRecord> = {}): NodeRecord[] => [
  { uid: `u-${name}`, name, zone, region: null, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], podCIDRs: [], labels: {}, createdAt: 1, deletedAt: null, ...extra },
];
const agent = (nodeName: string, ip: string, extra: Partial<PodRecord> = {}): PodRecord => ({
  uid: `p-${nodeName}-${ip}`, namespace: 'flowmesh', name: `agent-${nodeName}`, node: nodeName, ips: [ip], hostNetwork: true, phase: 'Running', ready: true,
  labels: { app: 'agent' }, workload: null, controller: null, services: [], containers: [], createdAt: 1, ipFrom: 1, ipTo: null, deleting: false, deletedAt: null, ...extra,
});

test('peers: live nodes with a ready agent are probed; the rest are reported with the reason', () => {
  const nodes = new Map([
    ['self', node('self', 'z1')],
    ['ok', node('ok', 'z2')],
    ['no-agent', node('no-agent', 'z1')],
    ['not-ready', node('not-ready', null)],
    ['going', node('going', 'z2', { deleting: true })],
    ['gone', node('gone', 'z2', { deletedAt: 5 })],
    ['rolling', node('rolling', 'z1')],
    ['old-record', node('old-record', 'z1')],
  ]);
  const { ready: _ready, deleting: _deleting, ...olderFormat } = agent('old-record', '10.0.0.9');
  const agents = new Map<string, PodRecord[]>([
    ['self', [agent('self', '10.0.0.2')]],
    ['ok', [agent('ok', '10.0.0.3')]],
    ['not-ready', [agent('not-ready', '10.0.0.4', { ready: false })]],
    ['going', [agent('going', '10.0.0.5')]],
    ['gone', [agent('gone', '10.0.0.6')]],
    // a rollout: the old pod terminating, the new one ready
    ['rolling-old', [agent('rolling', '10.0.0.7', { deleting: true })]],
    ['rolling-new', [agent('rolling', '10.0.0.8')]],
    ['old-record', [olderFormat]],
  ]);
  const selection = selectPeers('self', nodes, agents);
  assert.deepEqual(selection.self, { node: 'self', zone: 'z1' });
  assert.deepEqual(selection.targets, [
    { node: 'ok', zone: 'z2', address: '10.0.0.3' },
    { node: 'old-record', zone: 'z1', address: '10.0.0.9' },
    { node: 'rolling', zone: 'z1', address: '10.0.0.8' },
  ]);
  assert.deepEqual(selection.skipped, [
    { node: 'going', zone: 'z2', reason: 'node_deleting' },
    { node: 'no-agent', zone: 'z1', reason: 'agent_missing' },
    { node: 'not-ready', zone: 'unknown', reason: 'agent_not_ready' },
  ]);
});

test('UDP and TCP tests against a responder on loopback, and against nothing', { timeout: 20_000 }, async (t) => {
  const port = await freePort();
  const responder = await startResponder('127.0.0.1', port);
  t.after(() => responder.close());
  const udp = new UdpProber();
  t.after(() => udp.close());

  // a generous timeout: on a busy machine a loopback echo can take longer than kconmon's 250 ms
  const answered = await udp.test('127.0.0.1', port, { packets: 5, timeoutMs: 3000 });
  assert.equal(answered.sent, 5);
  assert.equal(answered.lost, 0);
  assert.equal(answered.rttsMs.length, 5);
  const figures = udpFigures(answered)!;
  assert.ok(figures.averageMs > 0 && figures.averageMs < 100, `loopback round trip ${figures.averageMs} ms`);
  assert.equal(figures.lossPercent, 0);
  assert.ok(figures.varianceMs >= 0);

  const silent = await freePort();
  const lost = await udp.test('127.0.0.1', silent, { packets: 3, timeoutMs: 50 });
  assert.deepEqual([lost.lost, lost.rttsMs.length], [3, 0]);
  assert.equal(udpFigures(lost), null, 'no round trip without an answer');

  const tcp = await tcpTest('127.0.0.1', port, 2000);
  assert.equal(tcp.ok, true, tcp.error);
  assert.ok(tcp.connectMs! >= 0 && tcp.totalMs! >= tcp.connectMs!);
  const refused = await tcpTest('127.0.0.1', silent, 2000);
  assert.deepEqual([refused.ok, refused.error], [false, 'ECONNREFUSED']);
});

test('DNS test against a resolver the test runs: a name that resolves, one that does not, a resolver that does not answer', { timeout: 20_000 }, async (t) => {
  const server = await startDnsServer('127.0.0.1', 0, { 'ok.i21.test': '10.1.2.3' });
  t.after(() => server.close());
  const resolver = dnsResolver(`127.0.0.1:${server.port}`, 500);
  const ok = await dnsTest(resolver, 'ok.i21.test');
  assert.deepEqual([ok.ok, ok.addresses], [true, ['10.1.2.3']]);
  assert.ok(ok.durationMs > 0);
  const missing = await dnsTest(resolver, 'missing.i21.test');
  assert.deepEqual([missing.ok, missing.error], [false, 'ENOTFOUND']);
  const silentPort = await freePort();
  const timeout = await dnsTest(dnsResolver(`127.0.0.1:${silentPort}`, 200), 'ok.i21.test');
  assert.equal(timeout.ok, false);
  assert.ok(server.queries() >= 2);
});

test('peer directory: follows metadata-sync\'s announcements as nodes and agent pods come, get ready and go', { timeout: 30_000 }, async (t) => {
  const env = await startEnvironment();
  const replica = env.replica().start();
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flowmesh' } });
  const nodeObject = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': `zone-${name}` } } });
  const podObject = (nodeName: string, ip: string, ready: boolean) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `agent-${nodeName}`, namespace: 'flowmesh', labels: { app: 'agent' } },
    spec: { nodeName, hostNetwork: true, containers: [{ name: 'agent', image: 'x' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  env.standin.create(nodeObject('me'));
  env.standin.create(nodeObject('b'));
  env.standin.create(podObject('b', '10.0.0.2', true));
  await settle(env.standin, replica);

  const selections: PeerSelection[] = [];
  const [redis, subscriber] = [env.redis.duplicate(), env.redis.duplicate()];
  const directory = new PeerDirectory({
    redis, subscriber, keys: new KubemetaKeys(), selfNode: 'me', agentNamespace: 'flowmesh', agentSelector: { app: 'agent' },
    resyncMs: 0, onChange: (s) => selections.push(s), onError: (e) => assert.fail(e),
  });
  await directory.start();
  t.after(async () => {
    // in this order: unsubscribing needs the server
    await directory.stop();
    redis.disconnect();
    subscriber.disconnect();
    await env.stop();
  });
  assert.deepEqual(directory.selection.targets, [{ node: 'b', zone: 'zone-b', address: '10.0.0.2' }]);
  assert.equal(directory.selection.self.zone, 'zone-me');

  const until = async (what: string, check: (s: PeerSelection) => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check(directory.selection)) {
      if (Date.now() > deadline) assert.fail(`timed out: ${what}: ${JSON.stringify(directory.selection)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  env.standin.create(nodeObject('c'));
  await until('c without agent', (s) => s.skipped.some((k) => k.node === 'c' && k.reason === 'agent_missing'));
  env.standin.create(podObject('c', '10.0.0.3', false));
  await until('c not ready', (s) => s.skipped.some((k) => k.node === 'c' && k.reason === 'agent_not_ready'));
  env.standin.apply(podObject('c', '10.0.0.3', true));
  await until('c probed', (s) => s.targets.some((k) => k.node === 'c'));
  env.standin.remove('v1', 'Node', 'b');
  await until('b dropped', (s) => !s.targets.some((k) => k.node === 'b') && !s.skipped.some((k) => k.node === 'b'));
  assert.ok(selections.length >= 4, 'every change was announced');
});

test('--probes config problems are listed with the others at start', () => {
  const config = loadConfig(agentOptions, { env: {}, flags: { kafkaBrokers: ['127.0.0.1:1'], probes: true, probeAgentSelector: 'app=agent,broken', probeDnsResolvers: ['10.0.0.10', 'dns.example'] } });
  assert.deepEqual(agentProblems(config), [
    '--probes needs --redis-url (the kubemeta view lists the peers)',
    '--probe-agent-selector: "broken" is not key=value',
    '--probe-dns-resolvers: "dns.example" is not an address (ip or ip:port)',
  ]);
  const off = loadConfig(agentOptions, { env: {}, flags: { kafkaBrokers: ['127.0.0.1:1'] } });
  assert.equal(off.probes, false, 'off by default');
  assert.deepEqual(agentProblems(off), []);
});

test('metrics: kconmon\'s names and labels; a departed node\'s gauges go, its counters stay', async () => {
  const registry = new Registry();
  const recorder = new ProbeMetricsRecorder(probeMetrics(registry));
  const source = { node: 'a', zone: 'z1' };
  const b = { node: 'b', zone: 'z2', address: '10.0.0.2' };
  recorder.record({ type: 'peers', selection: { self: source, targets: [b], skipped: [{ node: 'c', zone: 'z1', reason: 'agent_missing' }] } });
  recorder.record({ type: 'udp', source, destination: b, result: { sent: 5, lost: 1, rttsMs: [1, 2, 3, 6] } });
  recorder.record({ type: 'tcp', source, destination: b, result: { ok: true, connectMs: 1.5, totalMs: 4 } });
  recorder.record({ type: 'tcp', source, destination: b, result: { ok: false, connectMs: null, totalMs: null, error: 'timeout' } });
  recorder.record({ type: 'dns', source, resolver: '10.0.0.10', name: 'x.test', result: { ok: false, durationMs: 12, addresses: [], error: 'ENOTFOUND' } });
  let samples = parsePrometheusText(await registry.metrics());
  const labels = { source: 'a', destination: 'b', source_zone: 'z1', destination_zone: 'z2' };
  assert.equal(sumOf(samples, 'kconmon_udp_duration_milliseconds', labels), 3);
  assert.equal(sumOf(samples, 'kconmon_udp_duration_variance_milliseconds', labels), 5);
  assert.equal(sumOf(samples, 'kconmon_udp_loss', labels), 20);
  assert.equal(sumOf(samples, 'kconmon_udp_results_total', { ...labels, result: 'fail' }), 1);
  assert.equal(sumOf(samples, 'kconmon_tcp_connect_milliseconds', labels), 1.5);
  assert.equal(sumOf(samples, 'kconmon_tcp_duration_milliseconds', labels), 4);
  assert.deepEqual([sumOf(samples, 'kconmon_tcp_results_total', { ...labels, result: 'pass' }), sumOf(samples, 'kconmon_tcp_results_total', { ...labels, result: 'fail' })], [1, 1]);
  assert.equal(sumOf(samples, 'kconmon_dns_results_total', { source: 'a', destination: '10.0.0.10', host: 'x.test', result: 'fail' }), 1);
  assert.equal(sumOf(samples, 'kconmon_dns_duration_milliseconds', { host: 'x.test' }), 12);
  assert.equal(sumOf(samples, 'flowmesh_probe_round_trip_seconds_count', { ...labels, test: 'udp' }), 4);
  assert.equal(sumOf(samples, 'flowmesh_probe_udp_packets_total', { ...labels, result: 'lost' }), 1);
  assert.equal(sumOf(samples, 'flowmesh_probe_peer_skipped', { destination: 'c', reason: 'agent_missing' }), 1);
  assert.equal(sumOf(samples, 'flowmesh_probe_peers', { state: 'probed' }), 1);

  recorder.record({ type: 'peers', selection: { self: source, targets: [], skipped: [] } });
  samples = parsePrometheusText(await registry.metrics());
  assert.equal(sumOf(samples, 'kconmon_udp_duration_milliseconds', labels), 0, 'gauges of a departed node are removed');
  assert.equal(sumOf(samples, 'kconmon_udp_results_total', { ...labels, result: 'fail' }), 1, 'counters stay');
  assert.equal(sumOf(samples, 'flowmesh_probe_peer_skipped', { destination: 'c' }), 0);
});
