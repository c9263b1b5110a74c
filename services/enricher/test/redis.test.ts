/**
 * The enricher against a real Redis holding the kubemeta view as metadata-sync
 * writes it: every resolution scenario, invalidation by announcement, and a
 * Redis restart in the middle of a stream through the whole service.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, KubemetaKeys, startMockBroker, startRedisServer, type EnrichedFlow, type JoinedFlow, type MockBroker, type RedisServer } from '@flowmesh/lib';
import { openGeoLookup } from '../src/geo/geoip.js';
import type { PodRecord } from '@flowmesh/lib';
import { createKubemetaSource } from '../src/metadata/kubemeta-source.js';
import { FLOWS } from './helpers/cluster-fixture.js';
import { startHarness, type Harness } from './helpers/enricher-harness.js';
import { testEnricher } from './helpers/enricher-setup.js';
import { writeGeoDatabases } from '@flowmesh/lib/testing';
import { writeView } from './helpers/redis-view.js';
import { EXPECTED_GEO, SCENARIO_NAMES, assertScenario } from './helpers/scenarios.js';

let server: RedisServer;
let broker: MockBroker;
const clients: Redis[] = [];

function connect(url = server.url): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
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

/** Sends flows one at a time until one comes out with `status`; returns it. */
/** Resolves once someone (the enricher) listens on `channel`. */
async function waitForSubscriber(redis: Redis, channel: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [, listeners] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(listeners) > 0) return;
    if (Date.now() > deadline) throw new Error(`nobody subscribed to ${channel} within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function sendUntil(harness: Harness, counter: { sent: number; port: number }, flow: JoinedFlow, status: EnrichedFlow['enrichment']): Promise<EnrichedFlow | undefined> {
  const deadline = Date.now() + 20_000;
  let last: EnrichedFlow | undefined;
  while (Date.now() < deadline) {
    const port = ++counter.port;
    await harness.send([variant(flow, port)]);
    counter.sent += 1;
    last = (await outputsByPort(harness, counter.sent)).get(port);
    if (last?.enrichment === status) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

test('Redis outages through the whole service: down at start, restarted mid-stream; no record lost, statuses right, recovery without a restart', async () => {
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  const harness = await startHarness(broker, { redisUrl, redisTimeoutMs: 300, redisBackoffInitialMs: 100, redisBackoffMaxMs: 500 });
  const counter = { sent: 0, port: 1000 };
  let redis: RedisServer | undefined;
  try {
    // 1. Redis not there when the enricher starts: it runs anyway; nothing resolves, the record keeps its own fields.
    const first = await sendUntil(harness, counter, FLOWS.podToPod, 'PARTIAL');
    assert.equal(first?.enrichment, 'PARTIAL');
    assert.equal(first?.src_object_type, 'unknown');
    assert.equal(first?.src_process_name, 'curl');

    // 2. Redis comes up with the view: OK, and podToPod's lookups are now cached. The enricher's
    //    announcement subscription connects on its own schedule and, once subscribed, drops what
    //    it cached before (it may have missed announcements): wait for it, then fill the cache.
    redis = await startRedisServer({ port, binary: '/usr/bin/redis-server' });
    const admin = connect(redisUrl);
    await writeView(admin);
    await waitForSubscriber(admin, new KubemetaKeys().channel);
    const up = await sendUntil(harness, counter, FLOWS.podToPod, 'OK');
    assert.equal(up?.enrichment, 'OK');

    // 3. Redis goes down mid-stream: cached lookups answer (STALE), the rest cannot (PARTIAL); nothing waits for Redis.
    await redis.stop();
    await harness.send([variant(FLOWS.podToPod, 3001), variant(FLOWS.nodeToPod, 3002)]);
    counter.sent += 2;
    const down = await outputsByPort(harness, counter.sent);
    assert.equal(down.get(3001)?.enrichment, 'STALE');
    assert.equal(down.get(3001)?.dst_workload_name, 'web', 'served from cache');
    assert.equal(down.get(3002)?.enrichment, 'PARTIAL');
    assert.equal(down.get(3002)?.src_object_type, 'unknown');
    assert.equal(down.get(3002)?.src_process_name, 'kubelet', 'the record keeps its own fields');

    // 4. Redis back (empty, as after a crash without persistence); metadata-sync rewrites the view.
    await redis.restart();
    await writeView(connect(redisUrl));
    const back = await sendUntil(harness, counter, FLOWS.nodeToPod, 'OK');
    assert.equal(back?.enrichment, 'OK', 'recovered without a restart');
    assert.equal(back?.src_object_name, 'node-a');

    const all = await outputsByPort(harness, counter.sent);
    assert.equal(all.size, counter.sent, 'every input record has exactly one output');
  } finally {
    await harness.stop();
    await redis?.stop();
  }
});
