/** A kafkajs producer configured from the shared options: murmur2 partitioning, compression, idempotence. */
import type { CompressionTypes, Kafka, Producer } from 'kafkajs';
import { compressionType, type KafkaCompression } from './compression.js';
import { murmur2Partitioner } from './partitioner.js';

export interface ProducerOptions {
  kafkaCompression: KafkaCompression;
  kafkaIdempotent: boolean;
}

export interface FlowProducer {
  producer: Producer;
  compression: CompressionTypes;
}

export async function createProducer(kafka: Kafka, options: ProducerOptions): Promise<FlowProducer> {
  // The codecs are in kafkajs's table already: createKafka (and testKafka) registered them.
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
    compression: compressionType(options.kafkaCompression),
  };
}
