/** Runs ipfix-export on the embedded broker for tests: its input topic, its flows, its commits. */
import type { Kafka } from 'kafkajs';
import { RecordCodec, flowKey, loadConfig, type EnrichedFlow, type MockBroker, type ServiceHandle } from '@flowmesh/lib';
import { committedOffsets, topicEnds } from '@flowmesh/lib/testing';
import { ipfixExportOptions } from '../../src/options.js';
import { runIpfixExport } from '../../src/run.js';
import { until } from './collectors.js';

const codec = RecordCodec.local('EnrichedFlow');

export async function produceFlows(kafka: Kafka, topic: string, flows: readonly EnrichedFlow[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = flows.map((flow) => ({ key: flowKey(flow.protocol, flow.src_addr, flow.src_port), value: codec.encode(flow) }));
  for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  await producer.disconnect();
}

export async function startExporter(broker: MockBroker, topic: string, flags: Record<string, unknown>): Promise<{ handle: ServiceHandle; groupId: string }> {
  const groupId = `ipfix-test-${topic}`;
  const config = loadConfig(ipfixExportOptions, {
    env: {},
    flags: {
      kafkaBrokers: broker.brokers.join(','), inputTopic: topic, groupId, httpPort: 0, httpHost: '127.0.0.1', logLevel: 'fatal',
      commitIntervalMs: 100, sessionTimeoutMs: 10_000, dlqTopic: `${topic}.dlq`, ...flags,
    },
  });
  const handle = await runIpfixExport(config, { installSignalHandlers: false });
  return { handle, groupId };
}

/** Waits until the group's commits reach the input's end: every record was out. */
export async function untilCommitted(kafka: Kafka, groupId: string, topic: string, timeoutMs = 90_000): Promise<void> {
  const ends = await topicEnds(kafka, topic);
  await until(async () => {
    const committed = await committedOffsets(kafka, groupId, topic);
    return [...ends].every(([partition, end]) => end === 0 || committed.get(partition) === end);
  }, `commits at the end of ${topic}`, timeoutMs);
}
