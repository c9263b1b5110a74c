import { startMockBroker } from '@flowmesh/lib';
import { testKafka } from '@flowmesh/lib/testing';
import { Partitioners, CompressionTypes } from 'kafkajs';
const broker = await startMockBroker();
await broker.createTopic('p', 8);
const kafka = testKafka(broker.brokers);
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
for (const size of [160, 430, 1000, 4000]) {
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
    const value = Buffer.alloc(size, 'abcdefghij');
    const messages = Array.from({ length: 234 }, (_, i) => ({ key: `k${i}`, value, partition: 0 }));
    const t = performance.now();
    for (let i = 0; i < 30; i++) await producer.send({ topic: 'p', acks: -1, compression, messages });
    console.log(size, compression, ((performance.now() - t) / 30).toFixed(1), 'ms/send');
  }
}
await producer.disconnect(); await broker.stop();
