/**
 * flow-metrics throughput on the embedded broker, beside a bare kafkajs
 * consume loop over the same records with the same client settings, in the
 * same run; plus the heap held per traffic pair/series and the time to render
 * one scrape (after the first, which builds the label texts). Prints one JSON line.
 *
 *   ratio: flows/s aggregated by the service over records/s of the bare loop
 *     (target ≥ 0.8). The bare loop only consumes (and commits, as the service
 *     does); it decodes nothing, so the ratio includes the Avro decoding;
 *   decode_ratio: the same against a bare loop that also decodes each record.
 * Runs alternate (bare, decode, service) `repeats` times; medians are reported.
 *
 * Run from the repo root: node --import tsx bench/flow-metrics.bench.ts [flows] [repeats]
 */
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Kafka } from 'kafkajs';
import { RecordCodec, flowKey, loadConfig, startMockBroker, type EnrichedFlow, type MockBroker } from '@flowmesh/lib';
import { sampleEnriched, testKafka } from '@flowmesh/lib/testing';
import type { FlowReading } from '../services/flow-metrics/src/index.js';
import { DEFAULT_PORT_CLASSES, FlowReader, PairLabeller, TrafficExposition, TrafficStore, flowMetricsOptions, runFlowMetrics } from '../services/flow-metrics/src/index.js';

const FLOWS = Number(process.argv[2] ?? 40_000);
const REPEATS = Number(process.argv[3] ?? 3);
const PARTITIONS = 12;
const CONCURRENCY = 4; // partitions processed at once, as the shared stage loop does
const PAIRS = 2_000; // distinct workload pairs in the data
const MEMORY_PAIRS = 20_000;
const codec = RecordCodec.local('EnrichedFlow');

/** Flows over PAIRS workload pairs, both vantage points of most conversations, some server halves alone. */
function benchFlows(count: number): EnrichedFlow[] {
  return Array.from({ length: count }, (_, i) => {
    const pair = i % PAIRS;
    const vantage = i % 3 === 2 ? 'DST' : 'SRC';
    return sampleEnriched({
      vantage,
      match: i % 7 === 0 ? 'PEER_MISSING' : 'MATCHED',
      src_port: 10_000 + (i % 50_000),
      src_addr: `10.244.${(i >> 8) & 255}.${i & 255}`,
      src_workload_name: `client-${pair % 200}`,
      dst_workload_name: `server-${Math.floor(pair / 200)}`,
      src_workload_namespace: `ns-${pair % 20}`,
      out_bytes: 100 + (i % 5000),
      in_bytes: 2000 + (i % 900),
      latency_ms: 0.2 + (i % 100) / 10,
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function produce(kafka: Kafka, topic: string, messages: { key: string; value: Buffer }[], rounds: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < messages.length; i += 2_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
  }
  await producer.disconnect();
}

/** A runner consumes `input` and reports how many records it has handled so far. */
type Runner = (input: string) => Promise<{ handled(): Promise<number>; stop(): Promise<void> }>;

/** Loads two copies of the flows, starts the runner and times the second copy (the first warms up JIT and connections). */
async function measure(broker: MockBroker, kafka: Kafka, name: string, messages: { key: string; value: Buffer }[], runner: Runner): Promise<number> {
  const input = `bench-fm-${name}`;
  await broker.createTopic(input, PARTITIONS);
  await produce(kafka, input, messages, 2);
  const running = await runner(input);
  try {
    const reach = async (count: number) => {
      const deadline = Date.now() + 300_000;
      while ((await running.handled()) < count) {
        if (Date.now() > deadline) throw new Error(`${name}: ${await running.handled()} of ${count} records after 300 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return Date.now();
    };
    const start = await reach(messages.length);
    const end = await reach(messages.length * 2);
    return messages.length / ((end - start) / 1000);
  } finally {
    await running.stop();
  }
}

/** The baseline: consume batches with the service loop's settings and commit them; `decode` also decodes each record. */
function bareLoop(kafka: Kafka, decode: boolean): Runner {
  return async (input) => {
    const consumer = kafka.consumer({ groupId: `bench-bare-${input}`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let handled = 0;
    let sink = 0;
    await consumer.run({
      partitionsConsumedConcurrently: CONCURRENCY,
      eachBatch: async ({ batch }) => {
        if (decode) for (const message of batch.messages) sink += codec.decode(message.value!).out_bytes;
        handled += batch.messages.length;
      },
    });
    return {
      handled: async () => handled + (sink < 0 ? 1 : 0),
      stop: () => consumer.disconnect(),
    };
  };
}

function service(broker: MockBroker): Runner {
  return async (input) => {
    const config = loadConfig(flowMetricsOptions, {
      env: {},
      flags: { kafkaBrokers: broker.brokers, inputTopic: input, groupId: `bench-${input}`, httpPort: 0, httpHost: '127.0.0.1', logLevel: 'fatal', kafkaPartitions: PARTITIONS },
    });
    const handle = await runFlowMetrics(config, { installSignalHandlers: false });
    const records = handle.context.registry.getSingleMetric('flowmesh_flow_metrics_records_total')!;
    return {
      handled: async () => (await records.get()).values.reduce((total, v) => total + v.value, 0),
      stop: () => handle.shutdown('bench done'),
    };
  };
}

/** Heap bytes per pair held by the store (counters, histogram, label strings, the key of its label bytes), and the time of one /metrics render. */
function memoryAndScrape(): { bytesPerPair: number; seriesPerPair: number; scrapeMs: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const labelling = { granularity: 'workload', portClasses: DEFAULT_PORT_CLASSES, externalGrouping: 'asn' } as const;
  const labeller = new PairLabeller(labelling);
  const reader = new FlowReader(codec, labelling);
  // Encoded first and read one at a time as the service reads them, so each pair keeps label strings of its own.
  const encoded = Array.from({ length: MEMORY_PAIRS }, (_, i) => codec.encode(sampleEnriched({ src_workload_name: `client-${i % 500}`, dst_workload_name: `server-${Math.floor(i / 500)}` })));
  const store = new TrafficStore(labeller, MEMORY_PAIRS + 1);
  const used = () => {
    gc();
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  const before = used();
  for (const message of encoded) store.addReading(reader.read(message) as FlowReading, Date.now());
  const after = used();
  if (store.size !== MEMORY_PAIRS) throw new Error(`expected ${MEMORY_PAIRS} pairs, got ${store.size}`);
  const exposition = new TrafficExposition(store, labeller.names, { service: 'flow-metrics' });
  exposition.render(); // builds the per-pair label texts, kept for later scrapes
  const started = performance.now();
  const text = exposition.render();
  const scrapeMs = performance.now() - started;
  const trafficLines = text.split('\n').filter((line) => line.startsWith('flowmesh_traffic_')).length;
  return { bytesPerPair: (after - before) / MEMORY_PAIRS, seriesPerPair: trafficLines / MEMORY_PAIRS, scrapeMs };
}

const flows = benchFlows(FLOWS);
const messages = flows.map((flow) => ({ key: flowKey(flow.protocol, flow.src_addr, flow.src_port), value: codec.encode(flow) }));
const broker = await startMockBroker();
try {
  const kafka = testKafka(broker.brokers);
  const runs = { bare: [] as number[], decode: [] as number[], service: [] as number[] };
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    runs.bare.push(await measure(broker, kafka, `bare-${repeat}`, messages, bareLoop(kafka, false)));
    runs.decode.push(await measure(broker, kafka, `decode-${repeat}`, messages, bareLoop(kafka, true)));
    runs.service.push(await measure(broker, kafka, `service-${repeat}`, messages, service(broker)));
  }
  const [bare, decode, aggregated] = [median(runs.bare), median(runs.decode), median(runs.service)];
  const memory = memoryAndScrape();
  const round = (n: number) => Math.round(n * 100) / 100;
  console.log(JSON.stringify({
    bench: 'flow-metrics',
    flows: FLOWS,
    pairs_in_data: PAIRS,
    partitions: PARTITIONS,
    bare_loop_per_s: Math.round(bare),
    bare_decode_loop_per_s: Math.round(decode),
    flow_metrics_per_s: Math.round(aggregated),
    ratio: round(aggregated / bare),
    decode_ratio: round(aggregated / decode),
    target_ratio: 0.8,
    meets_target: aggregated / bare >= 0.8,
    memory_bytes_per_pair: Math.round(memory.bytesPerPair),
    series_per_pair: round(memory.seriesPerPair),
    memory_bytes_per_series: Math.round(memory.bytesPerPair / memory.seriesPerPair),
    scrape_ms_per_10k_pairs: round((memory.scrapeMs * 10_000) / MEMORY_PAIRS),
    repeats: REPEATS,
    runs_per_s: { bare: runs.bare.map(Math.round), decode: runs.decode.map(Math.round), service: runs.service.map(Math.round) },
    load_average: os.loadavg()[0],
  }));
} finally {
  await broker.stop();
}
