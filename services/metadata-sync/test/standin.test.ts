/** The Kubernetes API stand-in speaks the protocol the real client and informers rely on. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import { type KubeApiStandin, type RunningStandin, start } from '../src/standin/index.js';
import { waitFor } from './support/environment.js';

function clientConfig(url: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 's', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 's', user: 'u' }],
    currentContext: 'c',
  });
  return config;
}

/** Opens a watch with fetch and collects its events as they arrive. */
async function openWatch(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const events: { type: string; object: any }[] = [];
  let ended = false;
  void (async () => {
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString();
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return { response, events, ended: () => ended, close: () => controller.abort() };
}

describe('Kubernetes API stand-in', () => {
  let running: RunningStandin;
  let standin: KubeApiStandin;
  let core: CoreV1Api;

  before(async () => {
    running = await start({ bookmarkIntervalMs: 30 });
    standin = running.standin;
    core = clientConfig(running.url).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'default' } } });
  });
  after(() => running.stop());

  test('list carries the global resourceVersion; a watch from it sees only later changes, in order', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'before' } } });
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const version = list.metadata!.resourceVersion!;
    assert.equal(list.items.length, 1);
    const watch = await openWatch(`${running.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${version}`);
    assert.equal(watch.response.headers.get('content-type'), 'application/json');
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'after', labels: { a: '1' } } } });
    await core.patchNamespacedPod({ namespace: 'default', name: 'after', body: { metadata: { labels: { a: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ namespace: 'default', name: 'after' });
    await waitFor(() => watch.events.length >= 3);
    watch.close();
    assert.deepEqual(watch.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'after'], ['MODIFIED', 'after'], ['DELETED', 'after']]);
    const versions = watch.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(versions[0]! > Number(version) && versions[0]! < versions[1]! && versions[1]! < versions[2]!);
    assert.equal(watch.events[1]!.object.metadata.labels.a, '2');
    assert.ok(watch.events[2]!.object.metadata.deletionTimestamp, 'a deleted object carries its deletionTimestamp');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'before' });
  });

  test('a watch without resourceVersion starts with ADDED for current objects; bookmarks when asked', async () => {
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'one' }, spec: { clusterIP: '10.96.0.1' } } });
    const watch = await openWatch(`${running.url}/api/v1/services?watch=1&allowWatchBookmarks=true`);
    await waitFor(() => watch.events.some((e) => e.type === 'BOOKMARK'));
    watch.close();
    assert.deepEqual(watch.events[0]!.type, 'ADDED');
    const bookmark = watch.events.find((e) => e.type === 'BOOKMARK')!;
    assert.deepEqual(bookmark.object.kind, 'Service');
    assert.equal(bookmark.object.metadata.resourceVersion, standin.store.resourceVersion);
  });

  test('resuming from a version older than the retained history gets a 410 Expired event', async () => {
    const old = (await core.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion!;
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'compacted' } } });
    standin.compact();
    const watch = await openWatch(`${running.url}/api/v1/pods?watch=true&resourceVersion=${old}`);
    await waitFor(() => watch.ended());
    assert.equal(watch.events.length, 1);
    assert.equal(watch.events[0]!.type, 'ERROR');
    assert.equal(watch.events[0]!.object.kind, 'Status');
    assert.equal(watch.events[0]!.object.code, 410);
    assert.equal(watch.events[0]!.object.reason, 'Expired');
    // The current version is still resumable.
    const fresh = await openWatch(`${running.url}/api/v1/pods?watch=true&resourceVersion=${standin.store.resourceVersion}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fresh.ended(), false);
    fresh.close();
  });

  test('a label-selected watch sees an object leave the selection as DELETED', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'sel', labels: { tier: 'web' } } } });
    const watch = await openWatch(`${running.url}/api/v1/pods?watch=true&resourceVersion=${standin.store.resourceVersion}&labelSelector=${encodeURIComponent('tier in (web,api)')}`);
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'sel' });
    pod.metadata!.labels = { tier: 'db' };
    await core.replaceNamespacedPod({ namespace: 'default', name: 'sel', body: pod });
    await waitFor(() => watch.events.length >= 1);
    watch.close();
    assert.deepEqual(watch.events.map((e) => e.type), ['DELETED']);
    const selected = await core.listPodForAllNamespaces({ labelSelector: 'tier=db', fieldSelector: 'metadata.name=sel' });
    assert.deepEqual(selected.items.map((p) => p.metadata!.name), ['sel']);
  });

  test('writes follow the API semantics: 201/409 on create, 409 on a stale update, 404 when missing', async () => {
    const coordination = clientConfig(running.url).makeApiClient(CoordinationV1Api);
    const lease = await coordination.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'lock' }, spec: { holderIdentity: 'a' } } });
    await assert.rejects(coordination.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'lock' } } }), (e: any) => e.code === 409);
    const renewed = await coordination.replaceNamespacedLease({ namespace: 'default', name: 'lock', body: { ...lease, spec: { holderIdentity: 'b' } } });
    assert.equal(renewed.spec!.holderIdentity, 'b');
    await assert.rejects(coordination.replaceNamespacedLease({ namespace: 'default', name: 'lock', body: { ...lease, spec: { holderIdentity: 'c' } } }), (e: any) => e.code === 409);
    await assert.rejects(core.readNamespacedPod({ namespace: 'default', name: 'nope' }), (e: any) => e.code === 404 && JSON.parse(e.body).reason === 'NotFound');
    assert.equal(renewed.metadata!.uid, lease.metadata!.uid);
  });

  test('discovery lets the generic KubernetesObjectApi find every resource', async () => {
    const objects = KubernetesObjectApi.makeApiClient(clientConfig(running.url));
    await objects.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } });
    await objects.create({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'default' } });
    await objects.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const read = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } });
    assert.equal(read.metadata?.name, 'web');
    const deployments = await clientConfig(running.url).makeApiClient(AppsV1Api).listDeploymentForAllNamespaces();
    assert.deepEqual(deployments.items.map((d) => d.metadata!.name), ['web']);
    await objects.delete({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  });

  test('an informer through the real client follows drops, 410s and injected API failures', async () => {
    const config = clientConfig(running.url);
    const informer = makeInformer(config, '/api/v1/namespaces', () => config.makeApiClient(CoreV1Api).listNamespace());
    const names = new Set<string>();
    informer.on('add', (o) => names.add(o.metadata!.name!));
    informer.on('delete', (o) => names.delete(o.metadata!.name!));
    let stopped = false;
    // A bare informer stops on errors other than 410; restart it as metadata-sync does.
    informer.on('error', () => setTimeout(() => stopped || void informer.start(), 10));
    await informer.start();
    await core.createNamespace({ body: { metadata: { name: 'x1' } } });
    await waitFor(() => names.has('x1'));
    standin.dropWatches('end');
    standin.remove('v1', 'Namespace', 'x1');
    await waitFor(() => !names.has('x1'));
    standin.dropWatches('destroy');
    standin.failRequests(3);
    standin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x2' } });
    standin.compact();
    await waitFor(() => names.has('x2'));
    stopped = true;
    await informer.stop();
  });

  test('seeds from multi-document YAML, including a List', async () => {
    const file = join(tmpdir(), `standin-seed-${process.pid}.yaml`);
    await writeFile(
      file,
      [
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: seeded\n',
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p1, namespace: seeded}\n  status: {podIP: 10.0.0.9}\n- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata: {name: rs1, namespace: seeded}\n',
      ].join('---\n'),
    );
    const seeded = await start({ seedFile: file });
    try {
      const pods = await clientConfig(seeded.url).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'seeded' });
      assert.equal(pods.items[0]?.status?.podIP, '10.0.0.9');
      assert.equal((await clientConfig(seeded.url).makeApiClient(AppsV1Api).listReplicaSetForAllNamespaces()).items.length, 1);
    } finally {
      await seeded.stop();
    }
  });
});
