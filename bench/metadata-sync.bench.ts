/**
 * What building and keeping the kubemeta view costs. A stand-in API seeded
 * with 5,000 pods (20 per Deployment, via ReplicaSets), 500 nodes and 1,000
 * Services in 20 namespaces; one metadata-sync replica (no election) writing
 * to a fresh redis-server. Prints one JSON line:
 *
 *   build_ms              replica start → view complete in Redis (list every kind + first write)
 *   list_ms               replica start → every informer has listed
 *   view_keys             keys written
 *   redis_memory_bytes    used_memory growth of redis-server for the view (INFO memory)
 *   view_value_bytes      bytes of keys + values as written
 *   update_events         pod updates, deletes and creates applied after the build
 *   update_events_per_s   end to end: API change → watch → state → Redis, until settled
 *   lookup_ips_per_s      KubemetaReader.resolve, batches of 500 addresses + 500 containers
 *
 * The stand-in, the replica and the reader share one Node process, so the
 * figures include the API side's JSON work too: a real API server is elsewhere.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startRedisServer } from '@flowmesh/lib';
import { MetadataSync } from '@flowmesh/metadata-sync';
import { type KubeApiStandin, type KubeObject, RESOURCE_TYPES, start as startStandin } from '@flowmesh/metadata-sync/standin';
import { KubemetaReader } from '@flowmesh/lib';

const PODS = 5_000;
const NODES = 500;
const SERVICES = 1_000;
const NAMESPACES = 20;
const PODS_PER_DEPLOYMENT = 20;
const UPDATE_EVENTS = Number(process.env["UPDATE_EVENTS"] ?? 20_000);
const LOOKUP_BATCHES = 40;

const ip = (prefix: string, n: number) => `${prefix}.${(n >> 8) & 255}.${n & 255}`;
const podIndex = (name: string) => Number(name.split('-')[3]);
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function cluster(): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n += 1) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, labels: { team: `team-${n % 5}` } } });
  for (let n = 0; n < NODES; n += 1) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${n}`, labels: { 'topology.kubernetes.io/zone': `zone-${n % 3}`, 'topology.kubernetes.io/region': 'region-1', 'node.kubernetes.io/instance-type': 'm5.large' } },
      spec: { podCIDR: `10.244.${n}.0/24` },
      status: { addresses: [{ type: 'InternalIP', address: ip('192.168', n) }, { type: 'Hostname', address: `node-${n}` }] },
    });
  }
  for (let d = 0; d < PODS / PODS_PER_DEPLOYMENT; d += 1) {
    const namespace = `ns-${d % NAMESPACES}`;
    objects.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${d}`, namespace } });
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `app-${d}-5d8f7c`, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${d}`, uid: `d-${d}`, controller: true }] },
    });
  }
  for (let p = 0; p < PODS; p += 1) objects.push(pod(p, 0));
  for (let s = 0; s < SERVICES; s += 1) {
    const d = s % (PODS / PODS_PER_DEPLOYMENT);
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${s}`, namespace: `ns-${d % NAMESPACES}`, labels: { app: `app-${d}` } },
      spec: { clusterIP: ip('10.96', s), selector: { app: `app-${d}` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
  }
  return objects;
}

function pod(p: number, generation: number): KubeObject {
  const d = Math.floor(p / PODS_PER_DEPLOYMENT);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `app-${d}-5d8f7c-${p}-${generation}`,
      namespace: `ns-${d % NAMESPACES}`,
      labels: { app: `app-${d}`, 'pod-template-hash': '5d8f7c', version: 'v1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${d}-5d8f7c`, uid: `rs-${d}`, controller: true }],
    },
    spec: { nodeName: `node-${p % NODES}`, containers: [{ name: 'main', image: 'registry/app:1' }, { name: 'sidecar', image: 'registry/proxy:1' }] },
    status: {
      phase: 'Running',
      podIP: ip('10.244', p + generation * PODS),
      startTime: now,
      conditions: [{ type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now }],
      containerStatuses: ['main', 'sidecar'].map((name, i) => ({
        name,
        containerID: `containerd://${(p * 2 + i + generation * PODS * 2).toString(16).padStart(64, '0')}`,
        image: 'registry/app:1',
        imageID: '',
        ready: true,
        restartCount: 0,
      })),
    },
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function settle(standin: KubeApiStandin, replica: MetadataSync): Promise<void> {
  const target = Number(standin.store.resourceVersion);
  while (!Object.values(replica.resourceVersions()).every((rv) => Number(rv) >= target)) await new Promise((r) => setTimeout(r, 5));
  await replica.view.whenIdle(5);
}

const redisServer = await startRedisServer();
const api = await startStandin({ bookmarkIntervalMs: 100, historyLimit: 100_000 });
const redis = new Redis(redisServer.url);
const writerConnection = new Redis(redisServer.url);
try {
  api.standin.seed(cluster());
  const memoryBefore = await usedMemory(redis);
  const replica = new MetadataSync({
    kube: { kubeApi: api.url },
    redis: writerConnection,
    identity: 'bench',
    tombstoneRetentionMs: 3_600_000,
    lease: null,
    view: { flushIntervalMs: 50, maxKeysPerFlush: 5_000, announceAllAbove: 5_000, sweepIntervalMs: 30_000, resyncIntervalMs: 0, retryInitialMs: 100, retryMaxMs: 1_000 },
    informers: { backoffInitialMs: 100, backoffMaxMs: 1_000, watchTimeoutSeconds: 300 },
    logger: pino({ level: 'warn' }),
    registry: new Registry(),
  });
  const buildStart = process.hrtime.bigint();
  replica.start();
  await replica.whenSynced();
  const listMs = since(buildStart);
  await replica.view.whenIdle(5);
  const buildMs = since(buildStart);
  const memoryAfter = await usedMemory(redis);
  const viewKeys = await redis.dbsize();

  // Updates: relabel pods, and replace some (delete + create elsewhere, a new address).
  const podType = RESOURCE_TYPES.find((t) => t.kind === 'Pod')!;
  const podNames = api.standin.store.list(podType).map((o) => ({ p: podIndex(o.metadata!.name!), namespace: o.metadata!.namespace!, name: o.metadata!.name! }));
  const updateStart = process.hrtime.bigint();
  let events = 0;
  let generation = 1;
  while (events < UPDATE_EVENTS) {
    for (let i = 0; i < 500 && events < UPDATE_EVENTS; i += 1) {
      const slot = Math.floor(Math.random() * podNames.length);
      const { p, namespace, name } = podNames[slot]!;
      if (Math.random() < 0.7) {
        const target = api.standin.store.get(podType, namespace, name);
        target.metadata!.labels = { ...target.metadata!.labels, version: `v${events}` };
        api.standin.replace(target);
        events += 1;
      } else {
        api.standin.remove('v1', 'Pod', name, namespace);
        const next = pod(p, generation++);
        api.standin.create(next);
        podNames[slot] = { p, namespace, name: next.metadata!.name! };
        events += 2;
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await settle(api.standin, replica);
  const updateMs = since(updateStart);

  // Lookups as the enricher makes them.
  const reader = new KubemetaReader(redis);
  const now = Date.now();
  const lookupStart = process.hrtime.bigint();
  for (let b = 0; b < LOOKUP_BATCHES; b += 1) {
    const ips = Array.from({ length: 500 }, (_, i) => ({ ip: ip('10.244', (b * 500 + i) % PODS), atMs: now - 1_000 }));
    const containers = Array.from({ length: 500 }, (_, i) => (((b * 500 + i) % PODS) * 2).toString(16).padStart(64, '0'));
    await reader.resolve({ ips, containers });
  }
  const lookupMs = since(lookupStart);

  console.log(
    JSON.stringify({
      bench: 'metadata-sync',
      pods: PODS,
      nodes: NODES,
      services: SERVICES,
      build_ms: Math.round(buildMs),
      list_ms: Math.round(listMs),
      view_keys: viewKeys,
      redis_memory_bytes: memoryAfter - memoryBefore,
      view_value_bytes: replica.view.viewBytes,
      update_events: events,
      update_ms: Math.round(updateMs),
      update_events_per_s: Math.round(events / (updateMs / 1000)),
      lookup_ips_per_s: Math.round((LOOKUP_BATCHES * 500) / (lookupMs / 1000)),
      lookup_batch_ms: Number((lookupMs / LOOKUP_BATCHES).toFixed(2)),
    }),
  );
  await replica.crash();
} finally {
  redis.disconnect();
  writerConnection.disconnect();
  await api.stop();
  await redisServer.stop();
}
