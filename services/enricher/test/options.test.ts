import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@flowmesh/lib';
import { enricherConfigProblems, enricherOptions } from '../src/options.js';
import { parseCidrs } from '../src/run.js';

const required = { kafkaBrokers: '127.0.0.1:9092', redisUrl: 'redis://127.0.0.1:6379' };

test('defaults: Avro only, the joined topic in, the flows topic out', () => {
  const config = loadConfig(enricherOptions, { env: {}, flags: required });
  assert.equal(config.inputTopic, 'flowmesh.joined.v1');
  assert.equal(config.outputTopic, 'flowmesh.flows.v1');
  assert.equal(config.jsonFormat, 'none');
  assert.deepEqual(enricherConfigProblems(config), []);
});

test('every problem is reported at once', () => {
  assert.throws(() => loadConfig(enricherOptions, { env: {}, flags: { ...required, jsonFormat: 'xml', cacheTtlMs: 0 } }), (error: ConfigError) => error.problems.length === 2);
  const config = loadConfig(enricherOptions, {
    env: {},
    flags: { ...required, clusterCidrs: '10.244.0.0/16,10.96.0.0/99,nope', jsonFormat: 'ecs', jsonTopic: 'flowmesh.flows.v1' },
  });
  assert.deepEqual(enricherConfigProblems(config), [
    '--cluster-cidrs: 10.96.0.0/99: IPv4 prefix must be 0-32',
    '--cluster-cidrs: nope: not an IPv4 or IPv6 CIDR',
    '--json-topic must differ from --output-topic',
  ]);
});

test('cluster CIDRs, IPv4 and IPv6', () => {
  const ranges = parseCidrs(['10.244.0.0/16', 'fd00:10::/64'])!;
  assert.ok(ranges.contains('10.244.3.5'));
  assert.ok(!ranges.contains('10.245.0.1'));
  assert.ok(ranges.contains('fd00:10::7'));
  assert.equal(parseCidrs([]), null);
});
