/**
 * Makes sure the flowmesh topics exist. Uses the admin API (CreateTopics)
 * first; brokers without it (librdkafka's mock cluster, some managed services
 * with restricted ACLs) fall back to `fallback` when given (the embedded stack
 * creates topics itself), else to broker-side auto-creation by a metadata
 * request. Existing topics are left as they are; a partition count that
 * differs from the wish is reported, never changed.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../service/logger.js';

export const TOPICS = {
  halves: 'flowmesh.halves.v1',
  joined: 'flowmesh.joined.v1',
  flows: 'flowmesh.flows.v1',
  flowsJson: 'flowmesh.flows.json.v1',
  dlq: 'flowmesh.dlq.v1',
} as const;

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor?: number;
}

export interface EnsureTopicsOptions {
  logger?: Logger;
  /** Broker-specific creation for brokers without CreateTopics. */
  fallback?: (spec: TopicSpec) => Promise<void>;
}

export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[], options: EnsureTopicsOptions = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor ?? -1,
          })),
        });
        options.logger?.info({ topics: missing.map((s) => s.topic) }, 'created topics');
      } catch (error) {
        options.logger?.warn({ err: (error as Error).message }, 'CreateTopics failed; falling back to broker-side creation');
        for (const spec of missing) {
          if (options.fallback) await options.fallback(spec);
        }
        // A metadata request for the topics auto-creates them on brokers that allow it.
        await admin.fetchTopicMetadata({ topics: missing.map((s) => s.topic) }).catch((cause: Error) => {
          throw new Error(`topics ${missing.map((s) => s.topic).join(', ')} are missing and could not be created: ${cause.message}`, { cause });
        });
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    for (const topic of metadata.topics) {
      const wanted = specs.find((s) => s.topic === topic.name)?.partitions;
      if (wanted !== undefined && topic.partitions.length !== wanted) {
        options.logger?.warn({ topic: topic.name, partitions: topic.partitions.length, wanted }, 'topic exists with a different partition count');
      }
    }
  } finally {
    await admin.disconnect();
  }
}
