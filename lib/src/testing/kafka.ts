/** Kafka helpers for tests: read a topic to the end, produce records. */
import { randomUUID } from 'node:crypto';
import { logLevel, Kafka, type IHeaders } from 'kafkajs';
import { kafkaConfig } from '../kafka/client.js';
import { registerKafkaCodecs } from '../kafka/compression.js';
import { applyKafkajsIdleFix } from '../kafka/request-queue-idle-fix.js';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A client with the services' socket and request-queue settings (benchmarks compare like with like). */
export function testKafka(brokers: string[]): Kafka {
  applyKafkajsIdleFix();
  registerKafkaCodecs();
  const services = kafkaConfig({ kafkaBrokers: brokers, kafkaClientId: 'flowmesh-test', kafkaTls: false, kafkaTlsInsecure: false, kafkaSaslMechanism: 'none' });
  return new Kafka({ ...services, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/**
 * Reads `topic` from the beginning with a throwaway group until `count`
 * messages arrived (or `timeoutMs` passed, then returns what it has).
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      if (count === 0) return resolve();
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            messages.push({ topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: headersToStrings(m.headers) });
          }
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Total records in a topic (sum of high watermarks minus low). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Next offset to read per partition of `topic` (the high watermarks). */
export async function topicEnds(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** A consumer group's committed offset per partition of `topic` (-1 where it has committed none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether a group has committed every partition of `topic` to its end. A stage
 * commits an offset only once everything below it was produced, so this says
 * every input record has its output (the output's size does not: duplicates
 * after a crash make up for records not yet produced).
 */
export async function committedToEnd(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const [committed, ends] = await Promise.all([committedOffsets(kafka, groupId, topic), topicEnds(kafka, topic)]);
  return committed.size === ends.size && [...ends].every(([partition, end]) => committed.get(partition) === end);
}
