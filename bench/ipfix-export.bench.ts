/**
 * ipfix-export throughput on the embedded broker, beside a bare kafkajs loop
 * over the same records in the same run. Prints one JSON line.
 *
 *   bare: consume a batch and send its raw values over UDP, packed into
 *         datagrams of at most --mtu bytes (what moving the bytes costs without
 *         decoding or IPFIX), with the consumer settings the stage loop uses;
 *   export: the ipfix-export service (decode, encode IPFIX, send over UDP,
 *         commit), to a UDP receiver in the same process;
 *   ratio: exported records/s over bare records/s (target ≥ 0.8).
 * The two alternate, `repeats` times, and the medians are reported.
 *
 * Run from the repo root: node --import tsx bench/ipfix-export.bench.ts [flows] [repeats]
 */
import { createSocket, type Socket } from 'node:dgram';
import os from 'node:os';
import type { Kafka } from 'kafkajs';
import { RecordCodec, flowKey, loadConfig, startMockBroker, type EnrichedFlow, type MockBroker } from '@flowmesh/lib';
import { sampleEnriched, testKafka } from '@flowmesh/lib/testing';
import { ipfixExportOptions } from '../services/ipfix-export/src/options.js';
import { runIpfixExport } from '../services/ipfix-export/src/run.js';
import { nodeFlags } from './support/node-flags.js';
import { median } from './support/stats.js';

const FLOWS = Number(process.argv[2] ?? 30_000);
const REPEATS = Number(process.argv[3] ?? 3);
const PARTITIONS = 12;
const CONCURRENCY = 4; // partitions processed at once, as the shared stage loop does
const MTU = 1400;
const TARGET = 0.8;

/** Flows that differ where collectors would see it: addresses, ports, pods, counts; a third IPv6. */
function benchFlows(count: number): EnrichedFlow[] {
  return Array.from({ length: count }, (_, i) =>
    sampleEnriched({
      src_addr: i % 3 === 2 ? `fd00::${(i % 60_000).toString(16)}` : `10.244.${(i >> 8) & 255}.${i & 255}`,
      dst_addr: i % 3 === 2 ? 'fd00::ffff' : `10.244.9.${i % 200}`,
      src_port: 1024 + (i % 60_000),
      out_bytes: 100 + i,
      in_bytes: 1000 + i,
      src_object_name: `client-${i % 500}-7d9f`,
      src_process_cmdline: `/usr/bin/client --target web.default.svc --worker ${i % 16}`,
      vantage: i % 2 ? 'DST' : 'SRC',
    }),
  );
}

async function main(): Promise<void> {
  const broker = await startMockBroker();
  const receiver = createSocket('udp4');
  let received = 0;
  receiver.on('message', (message) => (received += message.length));
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', () => resolve()));
  const port = receiver.address().port;
  try {
    const kafka = testKafka(broker.brokers);
    const codec = RecordCodec.local('EnrichedFlow');
    const messages = benchFlows(FLOWS).map((flow) => ({ key: flowKey(flow.protocol, flow.src_addr, flow.src_port), value: codec.encode(flow) }));
    const runs = { bare: [] as number[], export: [] as number[] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      runs.bare.push(await measure(broker, kafka, `bare-${repeat}`, messages, (topic, counted) => runBareLoop(kafka, topic, port, counted)));
      runs.export.push(await measure(broker, kafka, `export-${repeat}`, messages, (topic, counted) => runExporter(broker, topic, port, counted)));
    }
    const [bare, exported] = [median(runs.bare), median(runs.export)];
    console.log(JSON.stringify({
      bench: 'ipfix-export',
      flows: FLOWS,
      partitions: PARTITIONS,
      mtu: MTU,
      bare_loop_per_s: Math.round(bare),
      exported_per_s: Math.round(exported),
      ratio: Math.round((exported / bare) * 100) / 100,
      target_ratio: TARGET,
      meets_target: exported / bare >= TARGET,
      repeats: REPEATS,
      runs_per_s: { bare: runs.bare.map(Math.round), export: runs.export.map(Math.round) },
      udp_bytes_received: received,
      node_flags: nodeFlags(),
      load_average: os.loadavg()[0],
    }));
  } finally {
    receiver.close();
    await broker.stop();
  }
}

type Runner = (topic: string, counted: (records: number) => void) => Promise<{ stop(): Promise<void> }>;

/**
 * Loads two copies of the records into a fresh topic, starts the runner, and
 * times the second copy as the runner reports records sent: the first warms up
 * the JIT and the connections, for both runners alike.
 */
async function measure(broker: MockBroker, kafka: Kafka, name: string, messages: readonly { key: string; value: Buffer }[], runner: Runner): Promise<number> {
  const topic = `bench-ipfix-${name}`;
  await broker.createTopic(topic, PARTITIONS);
  const producer = kafka.producer();
  await producer.connect();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < messages.length; i += 2_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
  }
  await producer.disconnect();
  let sent = 0;
  let start = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const running = await runner(topic, (records) => {
    sent += records;
    if (!start && sent >= messages.length) start = performance.now();
    if (sent >= messages.length * 2) finished();
  });
  try {
    const timeout = setTimeout(() => finished(), 300_000);
    await done;
    clearTimeout(timeout);
    if (sent < messages.length * 2) throw new Error(`${name}: ${sent} of ${messages.length * 2} records after 300 s`);
    return messages.length / ((performance.now() - start) / 1000);
  } finally {
    await running.stop();
  }
}

/** The baseline: consume, pack the raw values into datagrams under the MTU, send them. */
async function runBareLoop(kafka: Kafka, topic: string, port: number, counted: (records: number) => void) {
  const socket: Socket = createSocket('udp4');
  const consumer = kafka.consumer({ groupId: `bench-bare-${topic}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const send = (datagram: Buffer) => new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: CONCURRENCY,
    eachBatch: async ({ batch }) => {
      const datagrams: Buffer[] = [];
      let pending: Buffer[] = [];
      let size = 0;
      for (const message of batch.messages) {
        const value = message.value!;
        if (size + value.length > MTU && pending.length) {
          datagrams.push(Buffer.concat(pending));
          pending = [];
          size = 0;
        }
        pending.push(value);
        size += value.length;
      }
      if (pending.length) datagrams.push(Buffer.concat(pending));
      await Promise.all(datagrams.map(send));
      counted(batch.messages.length);
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      socket.close();
    },
  };
}

async function runExporter(broker: MockBroker, topic: string, port: number, counted: (records: number) => void) {
  const config = loadConfig(ipfixExportOptions, {
    env: {},
    flags: {
      kafkaBrokers: broker.brokers, inputTopic: topic, groupId: `bench-${topic}`, collector: [`udp://127.0.0.1:${port}`],
      httpPort: 0, httpHost: '127.0.0.1', logLevel: 'fatal', kafkaPartitions: PARTITIONS, mtu: MTU,
    },
  });
  const handle = await runIpfixExport(config, { installSignalHandlers: false, hooks: { onExported: counted } });
  return { stop: () => handle.shutdown('bench done') };
}

await main();
