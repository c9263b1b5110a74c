/**
 * Enricher throughput on the embedded broker with a real Redis view, beside a
 * bare kafkajs consume→produce loop over the same records in the same run.
 * Prints one JSON line.
 *
 *   warm: the cache holds the view's answers (the steady state);
 *   cold: every lookup reads Redis (cache TTL 1 ms), the worst case;
 *   ratio: enriched flows/s over bare loop records/s (targets: ≥ 0.6 warm, ≥ 0.45 cold).
 * The three run in turn, `repeats` times, and the medians are reported, so load
 * from other processes on the machine hits all three alike. Each run also
 * reports the CPU time this process spent per record while it was timed (user
 * + system: the loop, its Kafka clients, the bench's offset polling; not the
 * broker or Redis, which are child processes): on a shared machine that moves
 * less than the rates, and bare/enricher CPU is what the ratio would be when
 * both are bound by CPU.
 *
 * Run from the repo root: node --import tsx bench/enricher.bench.ts [flows] [repeats]
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { RecordCodec, flowKey, loadConfig, startMockBroker, startRedisServer, type JoinedFlow, type MockBroker } from '@flowmesh/lib';
import { testKafka } from '@flowmesh/lib/testing';
import { enricherOptions } from '../services/enricher/src/options.js';
import { runEnricher } from '../services/enricher/src/run.js';
import { writeView } from '../services/enricher/test/helpers/redis-view.js';
import { syntheticCluster, syntheticFlows } from './enricher-synthetic.js';
import { median } from './support/stats.js';

const FLOWS = Number(process.argv[2] ?? 30_000);
const REPEATS = Number(process.argv[3] ?? 5);
const PARTITIONS = 12;
const CONCURRENCY = 4; // partitions processed at once, as the shared stage loop does
const cluster = syntheticCluster(5_000, 500, 1_000);

async function main(): Promise<void> {
  const [broker, redisServer] = await Promise.all([startMockBroker(), startRedisServer()]);
  const redis = new Redis(redisServer.url);
  try {
    await writeView(redis, cluster.view);
    const kafka = testKafka(broker.brokers);
    const flows = syntheticFlows(cluster, FLOWS);

    const runs = { bare: [] as Measured[], warm: [] as Measured[], cold: [] as Measured[] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      runs.bare.push(await measure(broker, kafka, `bare-${repeat}`, flows, (input, output) => runBareLoop(kafka, input, output)));
      runs.warm.push(await measure(broker, kafka, `warm-${repeat}`, flows, (input, output) => runEnricherOn(broker, redisServer.url, input, output, {})));
      runs.cold.push(
        await measure(broker, kafka, `cold-${repeat}`, flows, (input, output) =>
          runEnricherOn(broker, redisServer.url, input, output, { cacheTtlMs: 1, cacheNegativeTtlMs: 1 }),
        ),
      );
    }
    const rate = (of: Measured[]) => median(of.map((m) => m.perSecond));
    const cpu = (of: Measured[]) => median(of.map((m) => m.cpuMicrosPerRecord));
    const [bare, warm, cold] = [rate(runs.bare), rate(runs.warm), rate(runs.cold)];
    const [bareCpu, warmCpu, coldCpu] = [cpu(runs.bare), cpu(runs.warm), cpu(runs.cold)];
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(JSON.stringify({
      bench: 'enricher',
      flows: FLOWS,
      partitions: PARTITIONS,
      view: { pods: cluster.pods.length, nodes: 500, services: 1_000 },
      bare_loop_per_s: Math.round(bare),
      enriched_warm_per_s: Math.round(warm),
      enriched_cold_per_s: Math.round(cold),
      warm_ratio: round(warm / bare),
      cold_ratio: round(cold / bare),
      target_warm_ratio: 0.6,
      target_cold_ratio: 0.45,
      meets_target: warm / bare >= 0.6 && cold / bare >= 0.45,
      bare_cpu_us_per_record: round(bareCpu),
      warm_cpu_us_per_record: round(warmCpu),
      cold_cpu_us_per_record: round(coldCpu),
      warm_cpu_ratio: round(bareCpu / warmCpu),
      cold_cpu_ratio: round(bareCpu / coldCpu),
      repeats: REPEATS,
      runs_per_s: { bare: runs.bare.map((m) => Math.round(m.perSecond)), warm: runs.warm.map((m) => Math.round(m.perSecond)), cold: runs.cold.map((m) => Math.round(m.perSecond)) },
      runs_cpu_us_per_record: { bare: runs.bare.map((m) => round(m.cpuMicrosPerRecord)), warm: runs.warm.map((m) => round(m.cpuMicrosPerRecord)), cold: runs.cold.map((m) => round(m.cpuMicrosPerRecord)) },
      load_average: os.loadavg()[0],
    }));
  } finally {
    redis.disconnect();
    await Promise.all([broker.stop(), redisServer.stop()]);
  }
}

type Runner = (input: string, output: string) => Promise<{ stop(): Promise<void> }>;

interface Measured {
  perSecond: number;
  /** CPU time (user + system) of this process per record while timed. */
  cpuMicrosPerRecord: number;
}

/**
 * Loads two copies of the flows into a fresh input topic, starts the runner, and
 * times the second half of the output: the first warms up the JIT, the
 * connections and (unless disabled) the cache, for every runner alike.
 */
async function measure(broker: MockBroker, kafka: Kafka, name: string, flows: readonly JoinedFlow[], runner: Runner): Promise<Measured> {
  const rounds = 2;
  const input = `bench-${name}-in`;
  const output = `bench-${name}-out`;
  await broker.createTopic(input, PARTITIONS);
  await broker.createTopic(output, PARTITIONS);
  await produce(kafka, input, flows, rounds);
  const running = await runner(input, output);
  try {
    const start = await waitForCount(kafka, output, flows.length * (rounds - 1));
    const cpuAtStart = process.cpuUsage();
    const end = await waitForCount(kafka, output, flows.length * rounds);
    const cpu = process.cpuUsage(cpuAtStart);
    return { perSecond: flows.length / ((end - start) / 1000), cpuMicrosPerRecord: (cpu.user + cpu.system) / flows.length };
  } finally {
    await running.stop();
  }
}

async function produce(kafka: Kafka, topic: string, flows: readonly JoinedFlow[], rounds: number): Promise<void> {
  const codec = RecordCodec.local('JoinedFlow');
  const messages = flows.map((flow) => ({ key: flowKey(flow.half.protocol, flow.src.ip, flow.src.port), value: codec.encode(flow) }));
  const producer = kafka.producer();
  await producer.connect();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < messages.length; i += 2_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
  }
  await producer.disconnect();
}

/** Time (ms) at which `topic` first holds `count` records; polls the partition ends. */
async function waitForCount(kafka: Kafka, topic: string, count: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
      if (total >= count) return Date.now();
      if (Date.now() > deadline) throw new Error(`${topic}: ${total} of ${count} records after 300 s`);
      // Not more often: each poll costs CPU in this process, charged to the run being timed.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await admin.disconnect();
  }
}

/** The baseline: consume a batch, produce its records unchanged, acks from all replicas. */
async function runBareLoop(kafka: Kafka, input: string, output: string): Promise<{ stop(): Promise<void> }> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${input}` });
  const producer = kafka.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: CONCURRENCY,
    eachBatch: async ({ batch }) => {
      await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

async function runEnricherOn(broker: MockBroker, redisUrl: string, input: string, output: string, flags: Record<string, unknown>) {
  const config = loadConfig(enricherOptions, {
    env: {},
    flags: {
      kafkaBrokers: broker.brokers, redisUrl, inputTopic: input, outputTopic: output, groupId: `bench-${input}`,
      httpPort: 0, httpHost: '127.0.0.1', logLevel: 'fatal', clusterId: 'bench', kafkaPartitions: PARTITIONS, ...flags,
    },
  });
  const handle = await runEnricher(config, { installSignalHandlers: false });
  return { stop: () => handle.shutdown('bench done') };
}

await main();
