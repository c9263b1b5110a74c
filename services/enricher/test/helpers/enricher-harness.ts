/**
 * Runs the real enricher service (runEnricher, the shared stage loop) against the
 * embedded broker, with fresh topics per harness, and reads what it produced.
 */
import { randomUUID } from 'node:crypto';
import { RecordCodec, SchemaRegistryClient, flowKey, loadConfig, type EnrichedFlow, type JoinedFlow, type MockBroker, type ServiceHandle } from '@flowmesh/lib';
import { readWithKcat, testKafka, type ReadMessage } from '@flowmesh/lib/testing';
import { enricherOptions } from '../../src/options.js';
import { runEnricher, type EnricherDependencies } from '../../src/run.js';

const joinedCodec = RecordCodec.local('JoinedFlow');

export interface Harness {
  topics: { input: string; output: string; json: string; dlq: string };
  handle: ServiceHandle;
  send(flows: readonly JoinedFlow[]): Promise<void>;
  readOutput(count: number, timeoutMs?: number): Promise<ReadMessage[]>;
  readJson(count: number, timeoutMs?: number): Promise<ReadMessage[]>;
  decode(message: ReadMessage): Promise<EnrichedFlow>;
  stop(): Promise<void>;
}

export async function startHarness(
  broker: MockBroker,
  flags: Record<string, unknown>,
  deps: EnricherDependencies = {},
): Promise<Harness> {
  const id = randomUUID().slice(0, 8);
  const topics = { input: `joined-${id}`, output: `flows-${id}`, json: `flows-json-${id}`, dlq: `dlq-${id}` };
  for (const topic of Object.values(topics)) await broker.createTopic(topic, 4);
  const config = loadConfig(enricherOptions, {
    env: {},
    flags: {
      kafkaBrokers: broker.brokers,
      redisUrl: 'redis://127.0.0.1:1',
      inputTopic: topics.input,
      outputTopic: topics.output,
      jsonTopic: topics.json,
      dlqTopic: topics.dlq,
      groupId: `enricher-${id}`,
      httpPort: 0,
      httpHost: '127.0.0.1',
      logLevel: 'warn',
      clusterId: 'test-cluster',
      commitIntervalMs: 100,
      ...flags,
    },
  });
  const handle = await runEnricher(config, { installSignalHandlers: false, deps });
  const kafka = testKafka(broker.brokers);
  const producer = kafka.producer();
  await producer.connect();
  const registryUrl = typeof flags.schemaRegistryUrl === 'string' ? flags.schemaRegistryUrl : null;
  const codec = await RecordCodec.create('EnrichedFlow', registryUrl ? { registry: new SchemaRegistryClient({ url: registryUrl }), topic: topics.output } : {});
  return {
    topics,
    handle,
    async send(flows) {
      const messages = flows.map((flow) => ({
        key: flowKey(flow.half.protocol, flow.src.ip, flow.src.port),
        value: joinedCodec.encode(flow),
      }));
      for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic: topics.input, messages: messages.slice(i, i + 1000) });
    },
    readOutput: (count, timeoutMs) => readWithKcat(broker.bootstrap, topics.output, count, timeoutMs),
    readJson: (count, timeoutMs) => readWithKcat(broker.bootstrap, topics.json, count, timeoutMs),
    async decode(message) {
      const [result] = await codec.decodeBatch([message.value]);
      if (!result?.ok) throw new Error(`cannot decode output: ${result?.error.message}`);
      return result.value;
    },
    async stop() {
      await producer.disconnect();
      await handle.shutdown('test done');
    },
  };
}
