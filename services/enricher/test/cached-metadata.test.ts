import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodRecord } from '@flowmesh/lib';
import { CachedMetadata, type Provenance } from '../src/metadata/cached-metadata.js';
import type { KeysByKind } from '../src/metadata/source.js';
import { FLOWS } from './helpers/cluster-fixture.js';
import { TEST_CACHE, testEnricher } from './helpers/enricher-setup.js';
import { MemorySource } from './helpers/memory-source.js';

const WEB = 'shop/web-5c6b-q8';
const CLIENT = 'shop/client-7d9f-x2';

function setup(cache = {}) {
  const source = new MemorySource();
  let clock = 1_000_000;
  const metadata = new CachedMetadata(source, { ...TEST_CACHE, ...cache }, {}, () => clock);
  return { source, metadata, advance: (ms: number) => (clock += ms) };
}

async function podAnswer(metadata: CachedMetadata, pod: string): Promise<[Provenance | undefined, PodRecord | null]> {
  const answer = (await metadata.lookup({ pod: [pod] })).pod.get(pod);
  return [answer?.provenance, answer?.value?.[0] ?? null];
}

function podWith(source: MemorySource, key: string, change: Partial<PodRecord>): PodRecord[] {
  const [pod] = source.view.get(`pod:${key}`) as PodRecord[];
  return [{ ...pod!, ...change }];
}

test('a warm cache answers without reading the store', async () => {
  const { source, metadata } = setup();
  await metadata.lookup({ pod: [WEB], node: ['node-a'] });
  await metadata.lookup({ pod: [WEB], node: ['node-a'] });
  assert.equal(source.fetches, 1);
});

test('entries expire after the TTL; "not found" after the shorter negative TTL', async () => {
  const { source, metadata, advance } = setup({ ttlMs: 10_000, negativeTtlMs: 1_000 });
  await metadata.lookup({ pod: [WEB, 'shop/new'] });
  advance(2_000);
  await metadata.lookup({ pod: [WEB, 'shop/new'] });
  assert.equal(source.fetches, 2, 'the negative entry expired');
  source.view.set('pod:shop/new', podWith(source, WEB, { name: 'new' }));
  advance(2_000);
  const [provenance, pod] = await podAnswer(metadata, 'shop/new');
  assert.deepEqual([provenance, pod?.name], ['fresh', 'new']);
  advance(20_000);
  await metadata.lookup({ pod: [WEB] });
  assert.equal(source.fetches, 4, 'the positive entry expired too');
});

test('announcements invalidate single keys or everything; a resubscription flushes', async () => {
  const { source, metadata } = setup();
  await metadata.subscribe();
  await metadata.lookup({ pod: [WEB] });
  source.set('pod', WEB, podWith(source, WEB, { labels: { app: 'web', version: 'v2' } }));
  const [, pod] = await podAnswer(metadata, WEB);
  assert.deepEqual(pod?.labels, { app: 'web', version: 'v2' });
  source.announce({ kind: 'all' });
  assert.equal(metadata.size, 0);
  await metadata.lookup({ node: ['node-a'] });
  metadata.onResubscribed();
  assert.equal(metadata.size, 0);
});

test('a store outage: cached answers are stale (even expired ones), others failed; backoff; recovery', async () => {
  const { source, metadata, advance } = setup({ ttlMs: 1_000, backoff: { initialMs: 100, maxMs: 1_000 } });
  await metadata.lookup({ pod: [WEB] });
  source.down = true;
  advance(5_000); // past the TTL: still the best answer while the store is away
  const [provenance, pod] = await podAnswer(metadata, WEB);
  assert.deepEqual([provenance, pod?.name], ['stale', 'web-5c6b-q8']);
  assert.equal(metadata.storeState, 'down');
  assert.deepEqual(await podAnswer(metadata, CLIENT), ['failed', null]);
  assert.equal(source.fetches, 2, 'inside the backoff the store is not asked');
  advance(1_000);
  await podAnswer(metadata, CLIENT);
  assert.equal(source.fetches, 3, 'after the backoff one attempt is made');
  source.down = false;
  advance(5_000);
  assert.equal((await podAnswer(metadata, CLIENT))[0], 'fresh');
  assert.equal(metadata.storeState, 'up');
  assert.equal((await podAnswer(metadata, WEB))[0], 'fresh');
});

test('a store that hangs costs one timeout, not a blocked partition', async () => {
  const source = new MemorySource();
  source.fetch = () => new Promise<never>(() => {});
  const { enricher, metadata } = testEnricher(source, { cache: { lookupTimeoutMs: 100 } });
  const started = Date.now();
  const [flow] = await enricher.enrich([FLOWS.podToPod]);
  assert.ok(Date.now() - started < 1_000);
  assert.equal(flow?.enrichment, 'PARTIAL');
  assert.equal(flow?.src_process_name, 'curl', 'the record keeps its own fields');
  assert.equal(metadata.storeState, 'down');
});

test('a read that raced an invalidation is not cached', async () => {
  const source = new MemorySource();
  const metadata = new CachedMetadata(source, TEST_CACHE);
  await metadata.subscribe();
  const original = source.fetch.bind(source);
  source.fetch = async (keys: KeysByKind) => {
    const result = await original(keys);
    source.announce({ kind: 'pod', key: WEB });
    return result;
  };
  await metadata.lookup({ pod: [WEB] });
  await metadata.lookup({ pod: [WEB] });
  assert.equal(source.fetches, 2);
});

test('enrichment status: STALE from cache during an outage, PARTIAL when something is missing', async () => {
  const source = new MemorySource();
  const { enricher } = testEnricher(source);
  assert.equal((await enricher.enrich([FLOWS.podToPod]))[0]?.enrichment, 'OK');
  source.down = true;
  const [warm, cold] = await enricher.enrich([FLOWS.podToPod, FLOWS.nodeToPod]);
  assert.equal(warm?.enrichment, 'STALE');
  assert.equal(warm?.dst_workload_name, 'web');
  assert.equal(cold?.enrichment, 'PARTIAL');
  assert.equal(cold?.src_object_type, 'unknown');
});

test('a store whose connection is known down: cache hits are STALE without trying a read', async () => {
  const source = new MemorySource();
  let connected = true;
  source.reachable = () => connected;
  const { enricher } = testEnricher(source);
  await enricher.enrich([FLOWS.podToPod]);
  const reads = source.fetches;
  connected = false;
  assert.equal((await enricher.enrich([FLOWS.podToPod]))[0]?.enrichment, 'STALE');
  assert.equal(source.fetches, reads);
  connected = true;
  await new Promise((resolve) => setTimeout(resolve, 120)); // past the backoff
  assert.equal((await enricher.enrich([FLOWS.podToPod]))[0]?.enrichment, 'OK');
});
