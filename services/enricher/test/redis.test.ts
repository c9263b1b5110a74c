/**
 * The enricher against a real Redis holding the kubemeta view as metadata-sync
 * writes it: every resolution scenario, invalidation by announcement, and a
 * Redis restart in the middle of a stream through the whole service.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startMockBroker, startRedisServer, type EnrichedFlow, type JoinedFlow, type MockBroker, type RedisServer } from '@flowmesh/lib';
import { openGeoLookup } from '../src/geo/geoip.js';
import type { PodRecord } from '../src/kubemeta.js';
import { createKubemetaSource } from '../src/metadata/kubemeta-source.js';
import { FLOWS } from './helpers/cluster-fixture.js';
import { startHarness, type Harness } from './helpers/enricher-harness.js';
import { testEnricher } from './helpers/enricher-setup.js';
import { writeGeoDatabases } from './helpers/geo-databases.js';
import { writeView } from './helpers/redis-view.js';
import { EXPECTED_GEO, SCENARIO_NAMES, assertScenario } from './helpers/scenarios.js';

let server: RedisServer;
let broker: MockBroker;
const clients: Redis[] = [];

function connect(): Redis {
  const client = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

before(async () => {
  [server, broker] = await Promise.all([startRedisServer({ binary: '/usr/bin/redis-server' }), startMockBroker()]);
});
after(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([server?.stop(), broker?.stop()]);
});

test('every scenario resolves from the Redis view, GeoIP included', async () => {
  await writeView(connect());
  const source = createKubemetaSource(connect(), connect());
  const { enricher } = testEnricher(source, { geo: await openGeoLookup(writeGeoDatabases()) });
  const out = await enricher.enrich(SCENARIO_NAMES.map((name) => FLOWS[name]));
  SCENARIO_NAMES.forEach((name, i) => assertScenario(name, out[i], name === 'podToExternal' ? EXPECTED_GEO : {}));
});

test('an announcement from the writer invalidates the cached pod', async () => {
  const redis = connect();
  const writer = await writeView(redis);
  const { enricher, metadata } = testEnricher(createKubemetaSource(connect(), connect()));
  await metadata.subscribe();
  assert.deepEqual((await enricher.enrich([FLOWS.podToPod]))[0]?.dst_labels, { app: 'web', tier: 'frontend' });

  const key = 'pod:shop/web-5c6b-q8' as const;
  const [pod] = JSON.parse((await redis.get(writer.keys.full(key)))!) as PodRecord[];
  await writer.apply([{ op: 'set', name: key, value: JSON.stringify([{ ...pod!, labels: { app: 'web', tier: 'frontend', version: 'v2' } }]), expireAt: null }]);
  await writer.announce([key]);
  const deadline = Date.now() + 5_000;
  let labels: Record<string, string> | undefined;
  while (Date.now() < deadline) {
    labels = (await enricher.enrich([FLOWS.podToPod]))[0]?.dst_labels;
    if (labels?.version === 'v2') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(labels, { app: 'web', tier: 'frontend', version: 'v2' });
});

/** The same flow with its own client port, so every record is told apart by key. */
function variant(flow: JoinedFlow, port: number): JoinedFlow {
  return { ...flow, src: { ...flow.src, port }, half: { ...flow.half, client_port: port } };
}

async function outputsByPort(harness: Harness, count: number): Promise<Map<number, EnrichedFlow>> {
  const messages = await harness.readOutput(count, 30_000);
  const flows = await Promise.all(messages.map((m) => harness.decode(m)));
  return new Map(flows.map((f) => [f.src_port, f]));
}

test('Redis restarts mid-stream: no record lost, STALE/PARTIAL while down, OK again without a restart', async () => {
  await writeView(connect());
  const harness = await startHarness(broker, { redisUrl: server.url, redisTimeoutMs: 300, redisBackoffInitialMs: 100, redisBackoffMaxMs: 500 });
  let sent = 0;
  try {
    // 1. Redis up: OK, and the pods of podToPod are now cached.
    await harness.send([variant(FLOWS.podToPod, 1001), variant(FLOWS.podToServiceVip, 1002)]);
    sent += 2;
    let out = await outputsByPort(harness, sent);
    assert.equal(out.get(1001)?.enrichment, 'OK');

    // 2. Redis down: cached lookups answer (STALE), the rest cannot (PARTIAL); nothing waits for Redis.
    await server.stop();
    await harness.send([variant(FLOWS.podToPod, 2001), variant(FLOWS.nodeToPod, 2002)]);
    sent += 2;
    out = await outputsByPort(harness, sent);
    assert.equal(out.get(2001)?.enrichment, 'STALE');
    assert.equal(out.get(2001)?.dst_workload_name, 'web', 'served from cache');
    assert.equal(out.get(2002)?.enrichment, 'PARTIAL');
    assert.equal(out.get(2002)?.src_object_type, 'unknown');
    assert.equal(out.get(2002)?.src_process_name, 'kubelet', 'the record keeps its own fields');

    // 3. Redis back (empty, as after a crash without persistence); metadata-sync rewrites the view.
    await server.restart();
    await writeView(connect());
    let port = 3000;
    let probe: EnrichedFlow | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      await harness.send([variant(FLOWS.nodeToPod, ++port)]);
      sent += 1;
      probe = (await outputsByPort(harness, sent)).get(port);
      if (probe?.enrichment === 'OK') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(probe?.enrichment, 'OK', 'recovered without a restart');
    assert.equal(probe?.src_object_name, 'node-a');

    await harness.send([variant(FLOWS.podToPod, 4001), variant(FLOWS.hostNetworkPod, 4002)]);
    sent += 2;
    out = await outputsByPort(harness, sent);
    assert.equal(out.get(4001)?.enrichment, 'OK');
    assert.equal(out.get(4002)?.src_workload_kind, 'DaemonSet');
    assert.equal(out.size, sent, 'every input record has exactly one output');
  } finally {
    await harness.stop();
  }
});
