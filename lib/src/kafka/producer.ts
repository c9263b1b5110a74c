/** A kafkajs producer configured from the shared options: murmur2 partitioning, compression, idempotence. */
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { murmur2Partitioner } from './partitioner.js';

export interface ProducerOptions {
  kafkaCompression: 'none' | 'gzip';
  kafkaIdempotent: boolean;
}

export interface FlowProducer {
  producer: Producer;
  compression: CompressionTypes;
}

export async function createProducer(kafka: Kafka, options: ProducerOptions): Promise<FlowProducer> {
  const producer = kafka.producer({
    // Java-compatible murmur2, so producers in other languages put a key in the same partition.
    createPartitioner: murmur2Partitioner,
    idempotent: options.kafkaIdempotent,
    ...(options.kafkaIdempotent ? { maxInFlightRequests: 5 } : {}),
    allowAutoTopicCreation: true,
  });
  await producer.connect();
  return {
    producer,
    compression: options.kafkaCompression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
  };
}
