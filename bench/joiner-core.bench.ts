/**
 * Where the joiner's own CPU goes, without Kafka: the halves of
 * bench/joiner.bench.ts, pre-encoded, taken in batches as the consumer loop
 * hands them over, through the three steps of the joiner's processor:
 *   - decode: the projection to the join fields, with each body (lib RecordProjection);
 *   - join: the join core (pairing, waiting, releasing, context);
 *   - write: the JoinedFlow bytes and Kafka key of every record.
 * Kafka's share (fetch, produce, commit) is what bench/joiner.bench.ts adds.
 *
 * Prints one JSON line: microseconds per half of each step (best of the
 * rounds after two warm-up rounds: on a shared machine the least disturbed),
 * the total, and the records written (one per half; the halves still waiting
 * at the end are drained, uncounted in the times).
 *
 * Run: NODE_OPTIONS=--max-semi-space-size=64 node --single-threaded-gc --import tsx bench/joiner-core.bench.ts
 */
import { RecordCodec } from '@flowmesh/lib';
import { DEFAULT_JOIN_SETTINGS, JoinCore, JoinedFlowWriter, joinProjection, type JoinRecord } from '@flowmesh/joiner';
import { benchHalves } from './support/joiner-halves.js';
import { nodeFlags } from './support/node-flags.js';

const ROUNDS = 10;
const WARM_UP = 2;
const BATCH = 1000;

const halfCodec = RecordCodec.local('FlowHalf');
const projection = joinProjection(halfCodec);
const messages = benchHalves(80_000).map((half) => ({ key: Buffer.from(`${half.protocol}|${half.client_ip}|${half.client_port}`), value: halfCodec.encode(half) }));

interface Round {
  decode: number;
  join: number;
  write: number;
  records: number;
}

async function round(): Promise<Round> {
  const core = new JoinCore(DEFAULT_JOIN_SETTINGS);
  const writer = new JoinedFlowWriter(RecordCodec.local('JoinedFlow'));
  const spent = { decode: 0, join: 0, write: 0, records: 0 };
  for (let start = 0; start < messages.length; start += BATCH) {
    const batch = messages.slice(start, start + BATCH);
    let t = performance.now();
    const decoded = await projection.decodeBatch(batch.map((m) => m.value));
    const records: JoinRecord[] = [];
    decoded.forEach((result, i) => {
      if (result.ok) records.push({ partition: 0, offset: String(start + i), key: batch[i]!.key, value: result.value, body: result.body! });
    });
    spent.decode += performance.now() - t;
    t = performance.now();
    const emissions = core.accept(records, Date.now());
    spent.join += performance.now() - t;
    t = performance.now();
    for (const emission of emissions) spent.records += emission.key !== null && writer.encode(emission).length > 0 ? 1 : 0;
    spent.write += performance.now() - t;
  }
  // The halves still waiting at the end leave too (as at shutdown), so that every half is counted once.
  for (const emission of core.drain()) spent.records += writer.encode(emission).length > 0 ? 1 : 0;
  return spent;
}

const rounds: Round[] = [];
for (let i = 0; i < WARM_UP + ROUNDS; i++) {
  const result = await round();
  if (i >= WARM_UP) rounds.push(result);
}
const perHalf = (ms: number) => Number(((ms * 1000) / messages.length).toFixed(3));
const best = (pick: (r: Round) => number) => perHalf(Math.min(...rounds.map(pick)));
console.log(
  JSON.stringify({
    bench: 'joiner-core',
    node_options: nodeFlags(),
    halves: messages.length,
    records_written: rounds[0]!.records,
    decode_us_per_half: best((r) => r.decode),
    join_us_per_half: best((r) => r.join),
    write_us_per_half: best((r) => r.write),
    total_us_per_half: best((r) => r.decode + r.join + r.write),
  }),
);
