/**
 * What each --kafka-compression codec costs and saves on flowmesh.halves.v1, the agents' topic
 * and the largest: the halves of bench/joiner.bench.ts, Avro-encoded, in batches of BATCH
 * records (key and value per record, as the record batch holds them), compressed and
 * decompressed through kafkajs's codec table as lib registers it.
 *
 * Rounds alternate the codecs (each round starts at the next one) so that background load
 * spreads over all; gzip, the one codec before, is the baseline. Prints one JSON line with, per
 * codec: the compressed size as a share of the raw size, the median microseconds per record to
 * compress and to decompress, and those medians over gzip's (the ratio of medians).
 *
 * Run: node --import tsx bench/compression.bench.ts
 */
import { loadavg } from 'node:os';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { RecordCodec } from '@flowmesh/lib';
import { compressionType, registerKafkaCodecs, type KafkaCompression } from '../lib/src/kafka/compression.js';
import { benchHalves } from './support/joiner-halves.js';
import { median, round } from './support/figures.js';

const ROUNDS = 9;
const WARM_UP = 1;
const BATCH = 500;
const CODECS = ['gzip', 'lz4', 'zstd', 'snappy'] as const satisfies readonly KafkaCompression[];

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

registerKafkaCodecs();
const table = kafkajs.CompressionCodecs as Record<CompressionTypes, () => Codec>;
const halfCodec = RecordCodec.local('FlowHalf');
const halves = benchHalves(40_000);

/** Each batch's records as the record batch lays them out: length-prefixed key, then value. */
const batches: Buffer[] = [];
for (let start = 0; start < halves.length; start += BATCH) {
  const parts: Buffer[] = [];
  for (const half of halves.slice(start, start + BATCH)) {
    const key = Buffer.from(`${half.protocol}|${half.client_ip}|${half.client_port}`);
    const value = halfCodec.encode(half);
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32BE(key.length, 0);
    lengths.writeUInt32BE(value.length, 4);
    parts.push(lengths, key, value);
  }
  batches.push(Buffer.concat(parts));
}
const rawBytes = batches.reduce((sum, b) => sum + b.length, 0);

interface Measured {
  compressMs: number;
  decompressMs: number;
  bytes: number;
}

async function measure(name: (typeof CODECS)[number]): Promise<Measured> {
  const codec = table[compressionType(name)]();
  let t = performance.now();
  const compressed: Buffer[] = [];
  for (const buffer of batches) compressed.push(await codec.compress({ buffer }));
  const compressMs = performance.now() - t;
  t = performance.now();
  let back = 0;
  for (const buffer of compressed) back += (await codec.decompress(buffer)).length;
  const decompressMs = performance.now() - t;
  if (back !== rawBytes) throw new Error(`${name} gave back ${back} bytes of ${rawBytes}`);
  return { compressMs, decompressMs, bytes: compressed.reduce((sum, b) => sum + b.length, 0) };
}

const results = new Map<string, Measured[]>(CODECS.map((c) => [c, []]));
for (let i = 0; i < WARM_UP + ROUNDS; i++) {
  for (let j = 0; j < CODECS.length; j++) {
    const name = CODECS[(i + j) % CODECS.length]!;
    const measured = await measure(name);
    if (i >= WARM_UP) results.get(name)!.push(measured);
  }
}

const usPerRecord = (ms: number) => (ms * 1000) / halves.length;
const medians = (name: string) => {
  const list = results.get(name)!;
  return {
    compress: usPerRecord(median(list.map((m) => m.compressMs))),
    decompress: usPerRecord(median(list.map((m) => m.decompressMs))),
    bytes: list[0]!.bytes,
  };
};
const gzip = medians('gzip');
console.log(
  JSON.stringify({
    bench: 'compression',
    records: halves.length,
    batch_records: BATCH,
    raw_bytes_per_record: round(rawBytes / halves.length),
    rounds: ROUNDS,
    loadavg_1m: round(loadavg()[0]!, 3),
    codecs: Object.fromEntries(
      CODECS.map((name) => {
        const m = medians(name);
        return [
          name,
          {
            size_share: round(m.bytes / rawBytes, 3),
            compress_us_per_record: round(m.compress, 3),
            decompress_us_per_record: round(m.decompress, 3),
            compress_vs_gzip: round(m.compress / gzip.compress, 3),
            decompress_vs_gzip: round(m.decompress / gzip.decompress, 3),
          },
        ];
      }),
    ),
  }),
);
