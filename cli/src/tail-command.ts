/**
 * `flowmesh tail <topic>`: prints a topic's records as JSON, one per line,
 * decoding either Avro framing (single-object or Confluent). JSON topics are
 * passed through; the dead-letter topic shows its headers and the raw bytes.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import {
  ConfigError,
  RecordCodec,
  TOPICS,
  createKafka,
  createLogger,
  defineOptions,
  kafkaOptions,
  loadConfig,
  registryFromConfig,
  type RecordName,
  type StageConfig,
} from '@flowmesh/lib';
import { addSpecOptions, givenFlags } from './spec-flags.js';
import { exitOnConfigError } from './service-commands.js';

const tailOptions = defineOptions({
  ...kafkaOptions,
  fromBeginning: { type: 'boolean', doc: 'Start at the earliest record instead of new ones only.', default: false },
  max: { type: 'int', doc: 'Stop after this many records (0: no limit).', default: 0, min: 0 },
  timeout: { type: 'number', doc: 'Stop after this many seconds without a new record (0: never).', default: 0, min: 0 },
});

const RECORD_BY_TOPIC: Record<string, RecordName> = {
  [TOPICS.halves]: 'FlowHalf',
  [TOPICS.joined]: 'JoinedFlow',
  [TOPICS.flows]: 'EnrichedFlow',
};

export function addTailCommand(program: Command): void {
  const command = program
    .command('tail')
    .argument('<topic>', 'topic to read, e.g. flowmesh.flows.v1')
    .description('Print a topic as JSON lines, decoding Avro single-object and Confluent framing');
  addSpecOptions(command, tailOptions);
  command.action(async (topic: string) => {
    let config;
    try {
      const file = command.opts<{ config?: string }>().config;
      config = loadConfig(tailOptions, { flags: givenFlags(command, tailOptions), env: process.env, ...(file ? { file } : {}) });
    } catch (error) {
      exitOnConfigError(error);
      throw error;
    }
    await tail(topic, config as typeof config & StageConfig);
  });
}

type Decode = (value: Buffer) => Promise<unknown>;

async function decoderFor(topic: string, config: StageConfig): Promise<Decode> {
  const registry = registryFromConfig(config);
  const codecs = await Promise.all(
    (['FlowHalf', 'JoinedFlow', 'EnrichedFlow'] as const).map((name) => RecordCodec.create(name, registry ? { registry, topic: `flowmesh-tail-${name}` } : {})),
  );
  const preferred = RECORD_BY_TOPIC[topic];
  const ordered = [...codecs].sort((a, b) => Number(b.recordName === preferred) - Number(a.recordName === preferred));
  return async (value) => {
    if (value[0] === 0x7b) return JSON.parse(value.toString('utf8')) as unknown; // a JSON topic
    let lastError: unknown;
    for (const codec of ordered) {
      const [result] = await codec.decodeBatch([value]);
      if (result?.ok) return result.value;
      lastError = result?.error;
    }
    throw lastError;
  };
}

async function tail(topic: string, config: StageConfig & { fromBeginning: boolean; max: number; timeout: number }): Promise<void> {
  const logger = createLogger('tail', 'error');
  const kafka = createKafka(config, logger);
  const decode = await decoderFor(topic, config);
  const consumer = kafka.consumer({ groupId: `flowmesh-tail-${randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: config.fromBeginning });
  let printed = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const finish = async () => {
    await consumer.disconnect().catch(() => undefined);
    process.exit(0);
  };
  const armIdle = () => {
    if (!config.timeout) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void finish(), config.timeout * 1000);
  };
  armIdle();
  process.once('SIGINT', () => void finish());
  process.once('SIGTERM', () => void finish());
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (config.max && printed >= config.max) return;
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      let line: object;
      try {
        const value = message.value ? await decode(message.value) : null;
        line = topic === config.dlqTopic ? { partition, offset: message.offset, headers, value } : (value as object);
      } catch (error) {
        line = { partition, offset: message.offset, headers, undecodable: String((error as Error).message), value_base64: message.value?.toString('base64') ?? null };
      }
      process.stdout.write(`${JSON.stringify(line)}\n`);
      printed++;
      armIdle();
      if (config.max && printed >= config.max) await finish();
    },
  });
}

export { ConfigError };
