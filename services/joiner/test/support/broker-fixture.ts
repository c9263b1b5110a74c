/**
 * Halves through a real joiner on the embedded broker: fresh topics per run,
 * produce generated halves by key (murmur2, like the agents), read back and
 * decode everything on the output topic, and tell which input each record is.
 */
import { randomUUID } from 'node:crypto';
import { Partitioners, type Producer } from 'kafkajs';
import { RecordCodec, type FlowHalf, type JoinedFlow, type MockBroker } from '@flowmesh/lib';
import { committedToEnd, readTopic, testKafka } from '@flowmesh/lib/testing';
import type { GeneratedHalf } from './flow-scenario.js';

const halfCodec = RecordCodec.local('FlowHalf');
const joinedCodec = RecordCodec.local('JoinedFlow');

export interface JoinTopics {
  input: string;
  output: string;
  dlq: string;
  groupId: string;
}

export async function createJoinTopics(broker: MockBroker, partitions: number): Promise<JoinTopics> {
  const id = randomUUID().slice(0, 8);
  const topics = { input: `halves-${id}`, output: `joined-${id}`, dlq: `dlq-${id}`, groupId: `joiner-${id}` };
  for (const topic of [topics.input, topics.output, topics.dlq]) await broker.createTopic(topic, partitions);
  return topics;
}

/** Flags of a joiner on these topics, fast timers for tests. */
export function joinerFlags(broker: MockBroker, topics: JoinTopics, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kafkaBrokers: broker.brokers,
    inputTopic: topics.input,
    outputTopic: topics.output,
    dlqTopic: topics.dlq,
    groupId: topics.groupId,
    httpPort: 0,
    httpHost: '127.0.0.1',
    logLevel: 'info',
    commitIntervalMs: 200,
    // A killed or departed member's partitions move on after this, not kafkajs's 30 s.
    sessionTimeoutMs: 6_000,
    clusterCidrs: ['10.0.0.0/8', 'fd00::/8'],
    serviceCidrs: ['10.96.0.0/12', 'fd00:96::/112'],
    idleTimeoutMs: 4_000,
    tickMs: 250,
    ...extra,
  };
}

/** Identifies a half (and the record made from it): who reported which window of which conversation. */
export function halfIdentity(half: FlowHalf): string {
  return `${half.vantage}|${half.node}|${half.protocol}|${half.client_ip}|${half.client_port}|${half.window_start}`;
}

/** Re-exported for the joiner's tests, which import it from here. */
export { committedToEnd };

export class HalfProducer {
  private constructor(private readonly producer: Producer, private readonly topic: string) {}

  static async connect(broker: MockBroker, topic: string): Promise<HalfProducer> {
    const producer = testKafka(broker.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return new HalfProducer(producer, topic);
  }

  async send(halves: readonly GeneratedHalf[], batchSize = 500): Promise<void> {
    for (let i = 0; i < halves.length; i += batchSize) {
      await this.producer.send({
        topic: this.topic,
        messages: halves.slice(i, i + batchSize).map(({ half }) => ({ key: `${half.protocol}|${half.client_ip}|${half.client_port}`, value: halfCodec.encode(half) })),
      });
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface OutputRecord {
  key: string | null;
  partition: number;
  record: JoinedFlow;
}

/** Everything on the output topic, decoded; waits until at least `count` records are there (or the timeout). */
export async function readJoined(broker: MockBroker, topic: string, count: number, timeoutMs = 30_000): Promise<OutputRecord[]> {
  const messages = await readTopic(testKafka(broker.brokers), topic, count, timeoutMs);
  return messages.map((m) => ({ key: m.key?.toString() ?? null, partition: m.partition, record: joinedCodec.decode(m.value!) }));
}

/** Reads a Prometheus counter or gauge (summed over labels) from a /metrics page. */
export function metricValue(page: string, name: string): number {
  return page
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Decoded Avro records are class instances; compare them as plain data. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
