/**
 * Several replicas, one writer elected with a Lease: when the writer dies
 * without releasing the Lease, a standby writes within the lease duration;
 * when it stops cleanly and releases it, a standby takes over at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { MetadataSync } from '../src/index.js';
import { startEnvironment, waitFor } from './support/environment.js';

const LEASE = { namespace: 'kube-system', name: 'flowmesh-metadata-sync', leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

test('a standby takes over writing within the lease duration when the leader dies', { timeout: 30_000 }, async (t) => {
  const env = await startEnvironment();
  t.after(() => env.stop());
  env.standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  const replicas = [env.replica({ lease: LEASE }).start(), env.replica({ lease: LEASE }).start()];

  // Never two writers at once, sampled throughout.
  let overlaps = 0;
  const sampler = setInterval(() => {
    if (replicas.filter((r) => r.isLeader).length > 1) overlaps += 1;
  }, 2);
  t.after(() => clearInterval(sampler));

  await waitFor(() => replicas.some((r) => r.isLeader && r.view.isSynced), 10_000, 'a leader');
  const leader = replicas.find((r) => r.isLeader)!;
  const standby = replicas.find((r) => r !== leader)!;
  const createPod = (name: string) => env.standin.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, status: { podIP: '10.0.0.9' } });
  const written = (name: string) => async () => (await env.redis.exists(`km:v1:pod:shop/${name}`)) === 1;

  createPod('before');
  await waitFor(written('before'), 5_000, 'the leader to write');

  await leader.crash();
  const crashedAt = Date.now();
  createPod('after-crash');
  await waitFor(written('after-crash'), 5_000, 'the standby to write');
  const takeoverMs = Date.now() - crashedAt;
  t.diagnostic(`takeover after a crash: ${takeoverMs} ms (lease ${LEASE.leaseDurationMs} ms, retry ${LEASE.retryPeriodMs} ms)`);
  assert.ok(standby.isLeader);
  // The standby may only take over once the lease has run out; it must not take much longer.
  assert.ok(takeoverMs >= LEASE.leaseDurationMs - LEASE.retryPeriodMs * 2, `took over too early (${takeoverMs} ms)`);
  assert.ok(takeoverMs <= LEASE.leaseDurationMs + LEASE.retryPeriodMs * 3 + 500, `took over too late (${takeoverMs} ms)`);

  const lease = await env.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: LEASE.namespace, name: LEASE.name });
  assert.equal(lease.spec?.holderIdentity, standby.identity);
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.match(String(lease.spec?.renewTime), /\.\d{6}Z$/, 'MicroTime with six fractional digits, as the API server requires');

  // A clean stop hands the lease over at once.
  const third: MetadataSync = env.replica({ lease: LEASE }).start();
  replicas.push(third);
  await waitFor(() => third.informersSynced, 5_000, 'the third replica to sync');
  await standby.stop();
  const releasedAt = Date.now();
  createPod('after-release');
  await waitFor(written('after-release'), 5_000, 'the third replica to write');
  const handoverMs = Date.now() - releasedAt;
  t.diagnostic(`takeover after a release: ${handoverMs} ms`);
  assert.ok(handoverMs < LEASE.leaseDurationMs, `a released lease is taken at once (${handoverMs} ms)`);
  assert.equal(overlaps, 0, 'two replicas wrote at the same time');
});
