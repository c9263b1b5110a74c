/**
 * Addresses are reused: a lookup answers who held the address at the flow's
 * time, through the batched reader the enricher uses. Also: tombstones expire
 * after the retention, and changes are announced on the channel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { KubemetaKeys, KubemetaReader, type KubemetaChange, subscribeChanges } from '@flowmesh/lib';
import type { MetadataSync } from '../src/index.js';
import type { KubeObject } from '../src/standin/index.js';
import { type TestEnvironment, settle, startEnvironment, waitFor } from './support/environment.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pod(name: string, ip: string, node: string, startedAt: number, containerId: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app: name.split('-')[0]! }, creationTimestamp: iso(startedAt - 5_000), ...(extra.metadata ?? {}) },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'x' }] },
    status: { phase: 'Running', podIP: ip, startTime: iso(startedAt), containerStatuses: [{ name: 'main', containerID: `containerd://${containerId}`, image: 'x', imageID: '', ready: true, restartCount: 0 }] },
  };
}

async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('address reuse and lookups at a time', () => {
  let env: TestEnvironment;
  let replica: MetadataSync;
  let reader: KubemetaReader;

  before(async () => {
    env = await startEnvironment();
    env.standin.seed([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'payments' } } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }] } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'cart-7d9', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', uid: 'd', controller: true }] } },
    ]);
    replica = env.replica({ tombstoneRetentionMs: 60_000 }).start();
    reader = new KubemetaReader(env.redis, { toleranceMs: 0 });
    await settle(env.standin, replica);
  });
  after(() => env.stop());

  test('pod A holds 10.0.0.5, is deleted, pod B gets it: each lookup returns the holder of its time', async () => {
    const now = Date.now();
    const aStarted = Math.floor(now / 1000) * 1000 - 600_000;
    env.standin.create(pod('cart-7d9-aaaaa', '10.0.0.5', 'n1', aStarted, 'a1', { metadata: { name: 'cart-7d9-aaaaa', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cart-7d9', uid: 'r', controller: true }] } as never }));
    await settle(env.standin, replica);
    env.standin.remove('v1', 'Pod', 'cart-7d9-aaaaa', 'shop');
    await settle(env.standin, replica);
    const aDeleted = (await reader.pods(['shop/cart-7d9-aaaaa'])).get('shop/cart-7d9-aaaaa')!.deletedAt!;
    const bStarted = aDeleted + 1_000;
    env.standin.create(pod('search-bbbbb', '10.0.0.5', 'n2', bStarted, 'b1'));
    await settle(env.standin, replica);

    const history = (await reader.ipHistories(['10.0.0.5'])).get('10.0.0.5')!;
    assert.deepEqual(history.map((i) => [i.name, i.from, i.to]), [['cart-7d9-aaaaa', aStarted, aDeleted], ['search-bbbbb', bStarted, null]]);

    const [beforeA, insideA, gap, insideB] = await reader.lookupIps([
      { ip: '10.0.0.5', atMs: aStarted - 1 },
      { ip: '10.0.0.5', atMs: aStarted + 60_000 },
      { ip: '10.0.0.5', atMs: aDeleted + 500 },
      { ip: '10.0.0.5', atMs: bStarted + 1 },
    ]);
    assert.equal(beforeA, null, 'nobody held it before A');
    assert.equal(insideA?.pod?.name, 'cart-7d9-aaaaa');
    assert.deepEqual(insideA?.pod?.workload, { kind: 'Deployment', name: 'cart' }, "A's tombstone still names its workload");
    assert.ok(insideA?.pod?.deletedAt, 'A is a tombstone');
    assert.deepEqual(insideA?.namespace?.labels, { team: 'payments' });
    assert.equal(gap, null, 'nobody held it between A leaving and B starting');
    assert.equal(insideB?.pod?.name, 'search-bbbbb');
    assert.equal(insideB?.pod?.deletedAt, null);
  });

  test('a recreated StatefulSet pod keeps both incarnations: the lookup picks the one of its time', async () => {
    const aStarted = Math.floor(Date.now() / 1000) * 1000 - 300_000;
    env.standin.create(pod('db-0', '10.0.0.6', 'n1', aStarted, 'c1'));
    await settle(env.standin, replica);
    env.standin.remove('v1', 'Pod', 'db-0', 'shop');
    const again = pod('db-0', '10.0.0.7', 'n2', Math.floor(Date.now() / 1000) * 1000, 'c2');
    env.standin.create(again);
    await settle(env.standin, replica);

    const [old, current] = await reader.lookupIps([
      { ip: '10.0.0.6', atMs: aStarted + 1_000 },
      { ip: '10.0.0.7', atMs: Date.now() },
    ]);
    assert.equal(old?.pod?.node, 'n1', 'the old incarnation, not the newest one with the same name');
    assert.equal(current?.pod?.node, 'n2');
    assert.notEqual(old?.pod?.uid, current?.pod?.uid);
    const containers = await reader.lookupContainers(['c1', 'containerd://c2']);
    assert.equal(containers.get('c1')?.pod?.node, 'n1');
    assert.equal(containers.get('containerd://c2')?.pod?.node, 'n2');
  });

  test('node and Service addresses resolve; a batch costs two MGETs whatever its size', async () => {
    env.standin.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'search', namespace: 'shop' }, spec: { clusterIP: '10.96.0.20', selector: { app: 'search' }, ports: [{ port: 80 }] } });
    await settle(env.standin, replica);
    const before = await commandCalls(env.redis);
    // Pod B (first test) started a second after A's deletion, possibly still ahead of the clock: ask a little later.
    const now = Date.now() + 2_000;
    const queries = ['10.0.0.5', '10.96.0.20', '192.168.0.2', '10.0.0.7', '203.0.113.9'].flatMap((ip) => Array.from({ length: 20 }, () => ({ ip, atMs: now })));
    const result = await reader.resolve({ ips: queries, containers: ['b1', 'c2', 'unknown'] });
    const afterCalls = await commandCalls(env.redis);
    assert.equal((afterCalls.get('mget') ?? 0) - (before.get('mget') ?? 0), 2);
    assert.equal((afterCalls.get('get') ?? 0) - (before.get('get') ?? 0), 0);
    assert.equal(result.ips[20]?.service?.name, 'search');
    assert.equal(result.ips[40]?.node?.name, 'n2');
    assert.deepEqual(result.ips[0]?.pod?.services, ['search'], 'pods know the services that select them');
    assert.equal(result.ips[80], null, 'an address the cluster never had');
    assert.equal(result.containers.get('b1')?.container.container, 'main');
    assert.equal(result.containers.has('unknown'), false);
  });

  test('changes are announced with the keys to invalidate', async () => {
    const subscriber = env.redis.duplicate();
    const heard: KubemetaChange[] = [];
    const unsubscribe = await subscribeChanges(subscriber, new KubemetaKeys(), { onChanges: (changes) => heard.push(...changes) });
    env.standin.create(pod('announce-1', '10.0.0.30', 'n1', Math.floor(Date.now() / 1000) * 1000, 'd1'));
    await waitFor(() => heard.some((c) => c.kind === 'pod' && c.id === 'shop/announce-1'));
    assert.ok(heard.some((c) => c.kind === 'ip' && c.id === '10.0.0.30'));
    assert.ok(heard.some((c) => c.kind === 'ctr' && c.id === 'd1'));
    await unsubscribe();
    subscriber.disconnect();
  });
});

describe('tombstone retention', () => {
  test('deleted objects resolve until the retention passes, then their keys are gone', async (t) => {
    const env = await startEnvironment();
    t.after(() => env.stop());
    const replica = env.replica({ tombstoneRetentionMs: 1_500 });
    replica.start();
    env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    env.standin.create(pod('gone-1', '10.0.0.40', 'n1', Math.floor(Date.now() / 1000) * 1000, 'e1'));
    await settle(env.standin, replica);
    env.standin.remove('v1', 'Pod', 'gone-1', 'shop');
    await settle(env.standin, replica);
    const keys = ['km:v1:pod:shop/gone-1', 'km:v1:ip:10.0.0.40', 'km:v1:ctr:e1'];
    for (const key of keys) {
      assert.ok((await env.redis.pttl(key)) > 0, `${key} is a tombstone with an expiry`);
    }
    assert.equal(await env.redis.pttl('km:v1:ns:shop'), -1, 'live keys do not expire');
    await waitFor(async () => (await env.redis.exists(...keys)) === 0, 5_000, 'tombstones to expire');
    await waitFor(() => replica.state.records.tombstoneCount === 0, 3_000, 'the sweep to drop them from memory');
  });
});
