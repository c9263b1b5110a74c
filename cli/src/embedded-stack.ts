/**
 * The embedded stack: a loopback Kafka-protocol broker (librdkafka mock) with
 * the flowmesh topics, a redis-server child, the Kubernetes API stand-in and,
 * when asked, a Prometheus server scraping the flowmesh services.
 * Used by `flowmesh stack`, `flowmesh demo` and the end-to-end tests.
 */
import { TOPICS, startMockBroker, startPrometheusServer, startRedisServer, type MockBroker, type PrometheusServer, type RedisServer } from '@flowmesh/lib';
import { start as startKubeApi, type RunningStandin } from '@flowmesh/metadata-sync/standin';

export interface EmbeddedStackOptions {
  /** Partitions of every flowmesh topic. @default 12 */
  partitions?: number;
  /** Mock brokers in the cluster. @default 1 */
  brokers?: number;
  /** YAML of Kubernetes objects to seed the API stand-in with. */
  kubeSeedFile?: string;
  /** Also start a Prometheus (Debian prometheus) scraping the services' default ports on loopback. @default false */
  prometheus?: boolean;
}

/** Each service's default HTTP port: where the stack's Prometheus looks for services started by hand. */
export const SERVICE_PORTS: Record<string, number> = {
  agent: 9400,
  joiner: 9401,
  enricher: 9402,
  'metadata-sync': 9403,
  'flow-metrics': 9404,
  'ipfix-export': 9405,
  ui: 9406,
};

export interface EmbeddedStack {
  kafkaBrokers: string;
  redisUrl: string;
  kubeApiUrl: string;
  broker: MockBroker;
  redis: RedisServer;
  kubeApi: RunningStandin;
  /** Present when started with `prometheus: true`; `setTargets(job, ...)` points it at services on other ports. */
  prometheus?: PrometheusServer;
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
    const prometheus = options.prometheus ? await startPrometheusServer() : undefined;
    if (prometheus) {
      started.push(prometheus);
      for (const [job, port] of Object.entries(SERVICE_PORTS)) prometheus.setTargets(job, [`127.0.0.1:${port}`]);
    }
    return {
      kafkaBrokers: broker.bootstrap,
      redisUrl: redis.url,
      kubeApiUrl: kubeApi.url,
      broker,
      redis,
      kubeApi,
      ...(prometheus ? { prometheus } : {}),
      envLines: () => [`KAFKA_BROKERS=${broker.bootstrap}`, `REDIS_URL=${redis.url}`, `KUBE_API=${kubeApi.url}`, ...(prometheus ? [`PROMETHEUS=${prometheus.url}`] : [])],
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
