import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Prng } from '@flowmesh/lib';
import { murmur2, murmur2Partitioner, partitionForKey } from '../src/kafka/partitioner.js';

const require = createRequire(import.meta.url);
/** kafkajs's own (Long-based) murmur2: the reference, itself checked against the Java client by kafkajs. */
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

const metadata = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 })) as never;

test('murmur2 agrees with kafkajs (and so Java) on every length and random bytes', () => {
  const rng = new Prng(11);
  for (let length = 0; length < 64; length++) {
    for (let round = 0; round < 20; round++) {
      const bytes = Buffer.from(Array.from({ length }, () => rng.int(0, 255)));
      assert.equal(murmur2(bytes), kafkajsMurmur2(bytes), bytes.toString('hex'));
    }
  }
});

test('Java client test vectors', () => {
  // From the Apache Kafka client's UtilsTest.testMurmur2 (signed 32-bit results).
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ];
  for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test('the partitioner places flow keys where kafkajs would, and honours explicit partitions', () => {
  const partitioner = murmur2Partitioner();
  for (const partitions of [1, 3, 8, 12, 64]) {
    for (let port = 1; port < 300; port++) {
      const key = `6|10.244.${port % 7}.${port % 250}|${40000 + port}`;
      const expected = (kafkajsMurmur2(key) & 0x7fffffff) % partitions;
      assert.equal(partitionForKey(key, partitions), expected);
      assert.equal(partitioner({ topic: 't', partitionMetadata: metadata(partitions), message: { key: Buffer.from(key), value: null } }), expected);
    }
  }
  assert.equal(partitioner({ topic: 't', partitionMetadata: metadata(8), message: { key: 'x', value: null, partition: 5 } }), 5);
  const unkeyed = partitioner({ topic: 't', partitionMetadata: metadata(8), message: { value: null } });
  assert.ok(unkeyed >= 0 && unkeyed < 8);
});
