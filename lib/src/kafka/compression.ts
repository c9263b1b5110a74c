/**
 * The Kafka compression codecs flowmesh writes and reads. kafkajs ships gzip only;
 * lz4, zstd and snappy come from codec packages registered into kafkajs's one
 * codec table, so every producer and consumer in the process can use them.
 * lz4 is @2l/kafkajs-lz4 (kafkajs-lz4 on lz4-napi, prebuilt binaries on npm)
 * rather than kafkajs-lz4, whose lz4 addon only builds from source.
 */
import { createRequire } from 'node:module';
// kafkajs is CommonJS and its codec table is not a named export Node can see.
import kafkajs, { CompressionTypes } from 'kafkajs';

/** The values of --kafka-compression, in the order the help lists them. */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'lz4', 'zstd', 'snappy'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

const COMPRESSION_TYPES: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
  snappy: CompressionTypes.Snappy,
};

export function compressionType(name: KafkaCompression): CompressionTypes {
  return COMPRESSION_TYPES[name];
}

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * zstd through zstd-napi: the kafkajs zstd codec packages do not build on Node 20
 * (@kafkajs/zstd pins a cppzst that predates C++17 node headers) or pin an old
 * zstd-napi, so its one-shot calls are put in the codec shape kafkajs expects.
 */
function zstdCodec(zstd: typeof import('zstd-napi')): () => KafkajsCodec {
  return () => ({
    compress: async (encoder) => zstd.compress(encoder.buffer),
    decompress: async (buffer) => zstd.decompress(buffer),
  });
}

let registered = false;

/**
 * Puts the lz4, zstd and snappy codecs into kafkajs's table (idempotent). Loaded
 * on first use rather than at import, so commands that never reach Kafka (--help,
 * config-docs) do not load two native addons.
 */
export function registerKafkaCodecs(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: () => KafkajsCodec };
  kafkajs.CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
  kafkajs.CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec(require('zstd-napi') as typeof import('zstd-napi'));
  kafkajs.CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy') as () => KafkajsCodec;
  registered = true;
}
