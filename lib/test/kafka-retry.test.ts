import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaConfig, type KafkaConnectionOptions } from '../src/kafka/client.js';

const base: KafkaConnectionOptions = {
  kafkaBrokers: ['127.0.0.1:9092'],
  kafkaClientId: 'test',
  kafkaTls: false,
  kafkaTlsInsecure: false,
  kafkaSaslMechanism: 'none',
};

describe('kafkaConfig retry', () => {
  it('caps the reconnect back-off well under kafkajs\'s 30 s by default', () => {
    const retry = kafkaConfig(base).retry;
    assert.equal(retry?.initialRetryTime, 300);
    assert.equal(retry?.maxRetryTime, 1_500);
  });

  it('takes the initial and longest wait from the options', () => {
    const retry = kafkaConfig({ ...base, kafkaRetryInitialMs: 100, kafkaRetryMaxMs: 2_000 }).retry;
    assert.equal(retry?.initialRetryTime, 100);
    assert.equal(retry?.maxRetryTime, 2_000);
  });

  it('never lets the cap fall below the first wait', () => {
    const retry = kafkaConfig({ ...base, kafkaRetryInitialMs: 800, kafkaRetryMaxMs: 200 }).retry;
    assert.equal(retry?.maxRetryTime, 800);
  });
});
