/**
 * The embedded stack: a loopback Kafka-protocol broker (librdkafka mock) with
 * the flowmesh topics, a redis-server child, and the Kubernetes API stand-in.
 * Used by `flowmesh stack`, `flowmesh demo` and the end-to-end tests.
 */
import { TOPICS, startMockBroker, startRedisServer, type MockBroker, type RedisServer } from '@flowmesh/lib';
import { start as startKubeApi, type RunningStandin } from '@flowmesh/metadata-sync/standin';

export interface EmbeddedStackOptions {
  /** Partitions of every flowmesh topic. @default 12 */
  partitions?: number;
  /** Mock brokers in the cluster. @default 1 */
  brokers?: number;
  /** YAML of Kubernetes objects to seed the API stand-in with. */
  kubeSeedFile?: string;
}

export interface EmbeddedStack {
  kafkaBrokers: string;
  redisUrl: string;
  kubeApiUrl: string;
  broker: MockBroker;
  redis: RedisServer;
  kubeApi: RunningStandin;
  /** The lines `flowmesh stack` prints, ready for `eval` or an env file. */
  envLines(): string[];
  stop(): Promise<void>;
}

export async function startEmbeddedStack(options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const partitions = options.partitions ?? 12;
  const started: { stop(): Promise<void> }[] = [];
  try {
    const broker = await startMockBroker({ brokers: options.brokers ?? 1 });
    started.push(broker);
    for (const topic of Object.values(TOPICS)) await broker.createTopic(topic, partitions);
    const redis = await startRedisServer();
    started.push(redis);
    const kubeApi = await startKubeApi(options.kubeSeedFile ? { seedFile: options.kubeSeedFile } : {});
    started.push(kubeApi);
    return {
      kafkaBrokers: broker.bootstrap,
      redisUrl: redis.url,
      kubeApiUrl: kubeApi.url,
      broker,
      redis,
      kubeApi,
      envLines: () => [`KAFKA_BROKERS=${broker.bootstrap}`, `REDIS_URL=${redis.url}`, `KUBE_API=${kubeApi.url}`],
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(parts: { stop(): Promise<void> }[]): Promise<void> {
  for (const part of [...parts].reverse()) await part.stop().catch(() => undefined);
}
