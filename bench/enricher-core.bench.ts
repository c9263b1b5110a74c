/**
 * Where the enricher's own CPU goes, without Kafka or Redis: the joined flows
 * of bench/enricher.bench.ts, pre-encoded, taken in batches as the consumer
 * loop hands them over, with a warm cache over an in-memory view, through the
 * three steps of the enricher's processor:
 *   - decode: the projection to what the lookups read, with each body (joinedFactsProjection);
 *   - resolve: the cache lookups and the resolution of both ends (BatchEnricher.resolve);
 *   - write: the EnrichedFlow bytes (EnrichedFlowWriter).
 * Beside them, the same records the way the enricher made them before it wrote
 * bytes (and still does for a schema its writer does not know): whole-record
 * decode, the same resolution, the record object, avsc encoding.
 * Kafka's share is what bench/enricher.bench.ts adds.
 *
 * Prints one JSON line: CPU microseconds per record of each step (this
 * process's user + system time: on a machine shared by many, wall time mostly
 * measures the waits for a core; best of the rounds after two warm-up rounds),
 * their total, and the object path's total.
 *
 * Run: node --import tsx bench/enricher-core.bench.ts
 */
import { RecordCodec } from '@flowmesh/lib';
import { BatchEnricher } from '../services/enricher/src/enrich/batch-enricher.js';
import { joinedFactsProjection } from '../services/enricher/src/enrich/joined-facts.js';
import { CachedMetadata } from '../services/enricher/src/metadata/cached-metadata.js';
import { EnrichedFlowWriter } from '../services/enricher/src/output/avro/enriched-flow-writer.js';
import { TEST_CACHE } from '../services/enricher/test/helpers/enricher-setup.js';
import { MemorySource } from '../services/enricher/test/helpers/memory-source.js';
import { syntheticCluster, syntheticFlows } from './enricher-synthetic.js';
import { nodeFlags } from './support/node-flags.js';

const ROUNDS = 10;
const WARM_UP = 2;
const BATCH = 500;
const FLOWS = 30_000;

const cluster = syntheticCluster(5_000, 500, 1_000);
const joinedCodec = RecordCodec.local('JoinedFlow');
const enrichedCodec = RecordCodec.local('EnrichedFlow');
const messages = syntheticFlows(cluster, FLOWS).map((flow) => joinedCodec.encode(flow));
const metadata = new CachedMetadata(new MemorySource(cluster.view), { ...TEST_CACHE, maxEntries: 100_000 });
const enricher = new BatchEnricher(metadata, null, { clusterId: 'bench', skewToleranceMs: 15_000, clusterRanges: null });
const projection = joinedFactsProjection(joinedCodec);
const writer = new EnrichedFlowWriter(enrichedCodec);

interface Round {
  decode: number;
  resolve: number;
  write: number;
  objects: number;
  bytes: number;
}

/** CPU time of this process so far, ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function round(): Promise<Round> {
  const spent = { decode: 0, resolve: 0, write: 0, objects: 0, bytes: 0 };
  for (let start = 0; start < messages.length; start += BATCH) {
    const batch = messages.slice(start, start + BATCH);
    let t = cpuMs();
    const decoded = batch.map((message) => projection.decode(message));
    spent.decode += cpuMs() - t;
    t = cpuMs();
    const contexts = await enricher.resolve(decoded.map((d) => d.value));
    spent.resolve += cpuMs() - t;
    t = cpuMs();
    for (let i = 0; i < decoded.length; i++) spent.bytes += writer.write(decoded[i]!.body, contexts[i]!).length;
    spent.write += cpuMs() - t;

    t = cpuMs();
    const flows = await enricher.enrich(batch.map((message) => joinedCodec.decode(message)));
    for (const flow of flows) spent.bytes -= enrichedCodec.encode(flow).length;
    spent.objects += cpuMs() - t;
  }
  if (spent.bytes !== 0) throw new Error('the byte writer and the object path wrote records of different sizes');
  return spent;
}

const rounds: Round[] = [];
for (let i = 0; i < WARM_UP + ROUNDS; i++) {
  const result = await round();
  if (i >= WARM_UP) rounds.push(result);
}
const perRecord = (ms: number) => Number(((ms * 1000) / messages.length).toFixed(3));
const best = (pick: (r: Round) => number) => perRecord(Math.min(...rounds.map(pick)));
console.log(
  JSON.stringify({
    bench: 'enricher-core',
    node_options: nodeFlags(),
    flows: messages.length,
    fallback: writer.fallbackReason,
    decode_us_per_record: best((r) => r.decode),
    resolve_us_per_record: best((r) => r.resolve),
    write_us_per_record: best((r) => r.write),
    total_us_per_record: best((r) => r.decode + r.resolve + r.write),
    object_path_us_per_record: best((r) => r.objects),
  }),
);
