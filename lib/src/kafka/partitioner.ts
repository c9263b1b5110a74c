/**
 * Kafka's default partitioner for keyed records — toPositive(murmur2(key)) %
 * partitions, as the Java client and librdkafka's murmur2_random compute it —
 * on 32-bit integer arithmetic. kafkajs's own DefaultPartitioner computes the
 * same hash through 64-bit Long objects (about 2 µs and a dozen allocations
 * a record, measured in bench/joiner.bench.ts); the answers are identical
 * (test/partitioner.test.ts checks them against kafkajs's). Records without a
 * key, or with an explicit partition, are left to kafkajs's partitioner.
 */
import { Partitioners, type ICustomPartitioner, type PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's org.apache.kafka.common.utils.Utils.murmur2, as a signed 32-bit result. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives `key` among `partitions`. */
export function partitionForKey(key: Buffer | string, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

export const murmur2Partitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args: PartitionerArgs) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key === undefined || message.key === null) return fallback(args);
    return partitionForKey(message.key, partitionMetadata.length);
  };
};
