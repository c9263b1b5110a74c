/**
 * `flowmesh tail <topic>`: prints a topic's records as JSON, one per line, on
 * stdout; what it is doing goes to stderr. Stops within a second of --max
 * records, --timeout seconds without a record, Ctrl-C or SIGTERM (exit 0). A
 * topic that does not exist is an error (exit 1), never created; an
 * unreachable broker is said in one line and given up after about 10 s.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafka, createLogger, defineOptions, kafkaConnectionFailure, kafkaOptions, loadConfig, type StageConfig } from '@flowmesh/lib';
import { exitOnOperatorError } from './operator-errors.js';
import { addSpecOptions, givenFlags } from './spec-flags.js';
import { decoderFor, type Decode } from './tail-decoder.js';

const tailOptions = defineOptions({
  ...kafkaOptions,
  fromBeginning: { type: 'boolean', doc: 'Start at the earliest record instead of new ones only.', default: false },
  max: { type: 'int', doc: 'Stop after this many records (0: no limit).', default: 0, min: 0 },
  timeout: { type: 'number', doc: 'Stop after this many seconds without a new record (0: never).', default: 0, min: 0 },
});

type TailConfig = StageConfig & { fromBeginning: boolean; max: number; timeout: number };

/** kafkajs retries to reach the brokers: about 10 s in all (an interactive command should not wait 80 s). */
const CONNECT_RETRIES = 4;
/** How long leaving the group may take before the process exits anyway (the group id is throw-away). */
const DISCONNECT_GRACE_MS = 500;

export function addTailCommand(program: Command): void {
  const command = program
    .command('tail')
    .argument('<topic>', 'topic to read, e.g. flowmesh.flows.v1')
    .description('Print a topic as JSON lines, decoding Avro single-object and Confluent framing');
  addSpecOptions(command, tailOptions);
  command.action(async (topic: string) => {
    let config: TailConfig;
    try {
      const file = command.opts<{ config?: string }>().config;
      config = loadConfig(tailOptions, { flags: givenFlags(command, tailOptions), env: process.env, ...(file ? { file } : {}) }) as TailConfig;
    } catch (error) {
      exitOnOperatorError(error);
      throw error;
    }
    await tail(topic, config).catch((error: unknown) => {
      const unreachable = kafkaConnectionFailure(error);
      if (!unreachable) throw error;
      say(`${unreachable}; gave up`);
      process.exit(1);
    });
  });
}

function say(text: string): void {
  process.stderr.write(`flowmesh tail: ${text}\n`);
}

async function tail(topic: string, config: TailConfig): Promise<void> {
  // An unreachable broker is said once, as plain text; kafkajs's other lines only when fatal.
  const kafka = createKafka(config, createLogger('tail', 'error'), { retries: CONNECT_RETRIES, onUnreachable: say });
  let consumer: Consumer | undefined;
  let stopping = false;
  const stop = (why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) say(why);
    const left = consumer ? consumer.disconnect().catch(() => undefined) : Promise.resolve();
    void Promise.race([left, new Promise((resolve) => setTimeout(resolve, DISCONNECT_GRACE_MS))]).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('interrupted'));
  process.on('SIGTERM', () => stop('terminated'));

  const available = await describeTopic(kafka, topic, config);
  say(`reading ${topic} ${config.fromBeginning ? `from the beginning (${available} records now)` : 'new records only (--from-beginning for the earlier ones)'}; Ctrl-C stops`);
  const decode = await decoderFor(topic, config);
  if (stopping) return;
  consumer = kafka.consumer({ groupId: `flowmesh-tail-${randomUUID()}`, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: config.fromBeginning });

  let printed = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (!config.timeout) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop(`no record for ${config.timeout} s (--timeout)`), config.timeout * 1000);
  };
  armIdle();
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (stopping || (config.max && printed >= config.max)) return;
      process.stdout.write(`${JSON.stringify(await renderMessage(topic, config, decode, partition, message))}\n`);
      printed++;
      armIdle();
      // Stopped from outside this handler: kafkajs's disconnect waits for the handler to return.
      if (config.max && printed >= config.max) setImmediate(() => stop());
    },
  });
}

/** Fails (exit 1) on a topic the brokers do not have, with the names they do have; returns how many records it holds. */
async function describeTopic(kafka: Kafka, topic: string, config: TailConfig): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      const shown = topics.filter((name) => !name.startsWith('__')).sort();
      say(`topic ${topic} does not exist on ${config.kafkaBrokers.join(',')} (topics there: ${shown.join(', ') || 'none'})`);
      process.exit(1);
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function renderMessage(
  topic: string,
  config: TailConfig,
  decode: Decode,
  partition: number,
  message: { offset: string; value: Buffer | null; headers?: Record<string, unknown> },
): Promise<object> {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
  try {
    const value = message.value ? await decode(message.value) : null;
    return topic === config.dlqTopic ? { partition, offset: message.offset, headers, value } : (value as object);
  } catch (error) {
    return { partition, offset: message.offset, headers, undecodable: String((error as Error).message), value_base64: message.value?.toString('base64') ?? null };
  }
}
