/** A redis-server, a Kubernetes API stand-in, and metadata-sync replicas wired to them, with fast test timings. */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type RedisServer, startRedisServer } from '@flowmesh/lib';
import { MetadataSync, type MetadataSyncSettings } from '../../src/index.js';
import { type KubeApiStandin, type KubeApiStandinOptions, start as startStandin } from '../../src/standin/index.js';

export interface TestEnvironment {
  redisServer: RedisServer;
  redis: Redis;
  standin: KubeApiStandin;
  url: string;
  kubeConfig(): KubeConfig;
  objectApi(): KubernetesObjectApi;
  replica(overrides?: Partial<MetadataSyncSettings>): MetadataSync;
  stop(): Promise<void>;
}

export const testLogger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

export async function startEnvironment(standinOptions: KubeApiStandinOptions = {}): Promise<TestEnvironment> {
  const redisServer = await startRedisServer();
  const api = await startStandin({ bookmarkIntervalMs: 50, historyLimit: 1_000_000, ...standinOptions });
  const redis = quiet(new Redis(redisServer.url));
  const replicas: MetadataSync[] = [];
  const connections: Redis[] = [redis];
  const kubeConfig = () => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'standin', server: api.url, skipTLSVerify: true }],
      users: [{ name: 'test' }],
      contexts: [{ name: 'standin', cluster: 'standin', user: 'test' }],
      currentContext: 'standin',
    });
    return config;
  };
  return {
    redisServer,
    redis,
    standin: api.standin,
    url: api.url,
    kubeConfig,
    objectApi: () => KubernetesObjectApi.makeApiClient(kubeConfig()),
    replica(overrides = {}) {
      const connection = quiet(new Redis(redisServer.url));
      connections.push(connection);
      const replica = new MetadataSync({
        kube: { kubeApi: api.url },
        redis: connection,
        identity: `replica-${replicas.length + 1}`,
        tombstoneRetentionMs: 3_600_000,
        lease: null,
        view: { flushIntervalMs: 10, maxKeysPerFlush: 5_000, announceAllAbove: 5_000, sweepIntervalMs: 1_000, resyncIntervalMs: 0, retryInitialMs: 20, retryMaxMs: 500 },
        informers: { backoffInitialMs: 20, backoffMaxMs: 500, watchTimeoutSeconds: 60 },
        logger: testLogger,
        registry: new Registry(),
        ...overrides,
      });
      replicas.push(replica);
      return replica;
    },
    async stop() {
      for (const replica of replicas) await replica.crash().catch(() => undefined);
      for (const connection of connections) connection.disconnect();
      await api.stop();
      await redisServer.stop();
    },
  };
}

/** Connection errors while a test restarts redis-server are expected. */
function quiet(redis: Redis): Redis {
  return redis.on('error', () => undefined);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until every informer has seen the stand-in's current version and the replica has written everything. */
export async function settle(standin: KubeApiStandin, replica: MetadataSync, timeoutMs = 10_000): Promise<void> {
  const target = Number(standin.store.resourceVersion);
  await waitFor(
    () => replica.informers.length <= standin.openWatches && Object.values(replica.resourceVersions()).every((rv) => Number(rv) >= target),
    timeoutMs,
    `informers to reach resourceVersion ${target}`,
  );
  await replica.view.whenIdle();
}

/** Every key of the view (unprefixed) with its parsed value and expiry (ms epoch, null: none). */
export async function readView(redis: Redis, prefix = 'km:v1:'): Promise<Map<string, { value: unknown; expireAt: number | null }>> {
  const keys = (await redis.keys(`${prefix}*`)).filter((k) => k !== `${prefix}meta`);
  const view = new Map<string, { value: unknown; expireAt: number | null }>();
  if (!keys.length) return view;
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.get(key).pexpiretime(key);
  const results = (await pipeline.exec())!;
  keys.forEach((key, index) => {
    const value = results[index * 2]![1] as string;
    const expireAt = results[index * 2 + 1]![1] as number;
    view.set(key.slice(prefix.length), { value: JSON.parse(value), expireAt: expireAt < 0 ? null : expireAt });
  });
  return view;
}
