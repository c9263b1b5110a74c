/**
 * metadata-sync keeps going through API errors and Redis outages, and a new
 * writer inherits what the previous one knew.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/standin/index.js';
import { readView, settle, startEnvironment, waitFor } from './support/environment.js';

const pod = (name: string, ip: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  status: { phase: 'Running', podIP: ip, startTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
});

test('API errors are retried with back-off until every informer has listed', async (t) => {
  const env = await startEnvironment();
  t.after(() => env.stop());
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  env.standin.failRequests(40, 503);
  const replica = env.replica().start();
  await settle(env.standin, replica, 15_000);
  const errors = (await replica.metrics.apiErrors.get()).values.reduce((sum, v) => sum + v.value, 0);
  assert.ok(errors >= 11, `every kind saw failures (${errors})`);
  assert.equal(replica.readiness(), true);
  assert.equal(await env.redis.exists('km:v1:ns:shop'), 1);
});

test('a Redis that restarts empty gets the whole view back, plus what changed meanwhile', async (t) => {
  const env = await startEnvironment();
  t.after(() => env.stop());
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  env.standin.create(pod('a', '10.0.0.1'));
  const replica = env.replica().start();
  await settle(env.standin, replica);
  const before = await readView(env.redis);

  const restarted = env.redisServer.restart({ downMs: 300 });
  env.standin.create(pod('b', '10.0.0.2'));
  await restarted;
  await waitFor(async () => (await env.redis.exists('km:v1:pod:shop/a', 'km:v1:pod:shop/b', 'km:v1:ip:10.0.0.2')) === 3, 10_000, 'the view to be rebuilt');
  await settle(env.standin, replica);
  const after = await readView(env.redis);
  for (const [key, value] of before) assert.deepEqual(after.get(key), value, key);
  assert.ok((await replica.metrics.fullSyncs.get()).values[0]!.value >= 2, 'the reconnect triggered a full sync');
});

test('a new writer keeps the tombstones the previous one wrote, and tombstones what vanished meanwhile', async (t) => {
  const env = await startEnvironment();
  t.after(() => env.stop());
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  env.standin.create(pod('deleted-while-watched', '10.0.0.1'));
  env.standin.create(pod('deleted-while-down', '10.0.0.2'));
  const first = env.replica().start();
  await settle(env.standin, first);
  env.standin.remove('v1', 'Pod', 'deleted-while-watched', 'shop');
  await settle(env.standin, first);
  const tombstone = (await readView(env.redis)).get('pod:shop/deleted-while-watched');
  await first.crash();

  env.standin.remove('v1', 'Pod', 'deleted-while-down', 'shop');
  const downSince = Date.now();
  const second = env.replica().start();
  await settle(env.standin, second);
  const view = await readView(env.redis);
  assert.deepEqual(view.get('pod:shop/deleted-while-watched'), tombstone, 'the old tombstone survives the new writer');
  const vanished = (view.get('pod:shop/deleted-while-down')?.value as { deletedAt: number | null }[] | undefined)?.[0];
  assert.ok(vanished?.deletedAt && vanished.deletedAt >= downSince, 'an object gone while nobody watched becomes a tombstone');
  const interval = (view.get('ip:10.0.0.2')?.value as { to: number | null }[])[0];
  assert.equal(interval?.to, vanished?.deletedAt, 'and its address is closed then');
});
