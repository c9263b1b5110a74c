import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, defineOptions, kafkaOptions, loadConfig, redactConfig, serviceOptions } from '@flowmesh/lib';

const specs = defineOptions({
  ...serviceOptions,
  ...kafkaOptions,
  windowMs: { type: 'int', doc: 'Window.', default: 10_000, min: 100 },
  mode: { type: 'enum', doc: 'Mode.', default: 'fast', choices: ['fast', 'safe'] },
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('applies defaults, then file, then environment, then flags', () => {
    const dir = mkdtempSync(`${tmpdir()}/fm-config-`);
    writeFileSync(`${dir}/c.yaml`, 'window-ms: 2000\nmode: safe\nkafkaClientId: from-file\n');
    const config = loadConfig(specs, {
      file: `${dir}/c.yaml`,
      env: { KAFKA_BROKERS: 'a:9092,b:9092', FLOWMESH_WINDOW_MS: '3000' },
      flags: { kafkaClientId: 'from-flag' },
    });
    assert.deepEqual(config.kafkaBrokers, ['a:9092', 'b:9092']);
    assert.equal(config.windowMs, 3000);
    assert.equal(config.mode, 'safe');
    assert.equal(config.kafkaClientId, 'from-flag');
    assert.equal(config.httpPort, 9400);
  });

  it('lists every problem at once: unknown keys, bad values, missing required options', () => {
    const dir = mkdtempSync(`${tmpdir()}/fm-config-`);
    writeFileSync(`${dir}/c.yaml`, 'windowMz: 5\nmode: turbo\n');
    const problems = problemsOf(() =>
      loadConfig(specs, { file: `${dir}/c.yaml`, env: { FLOWMESH_HTTP_PORT: 'eighty' }, flags: { windowMs: '50', bogus: 1 } }),
    );
    assert.equal(problems.length, 6, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('windowMz') && p.includes('unknown option')));
    assert.ok(problems.some((p) => p.startsWith('--bogus') && p.includes('unknown option')));
    assert.ok(problems.some((p) => p.includes('mode') && p.includes('"turbo"')));
    assert.ok(problems.some((p) => p.includes('$FLOWMESH_HTTP_PORT')));
    assert.ok(problems.some((p) => p.includes('--window-ms') && p.includes('"50"')));
    assert.ok(problems.some((p) => p.includes('--kafka-brokers') && p.includes('required')));
  });

  it('reports an unreadable or malformed file instead of ignoring it', () => {
    assert.match(problemsOf(() => loadConfig(specs, { file: '/nonexistent/flowmesh.yaml', env: { KAFKA_BROKERS: 'x:1' } }))[0]!, /ENOENT/);
    const dir = mkdtempSync(`${tmpdir()}/fm-config-`);
    writeFileSync(`${dir}/c.yaml`, '- a list\n- not a mapping\n');
    assert.match(problemsOf(() => loadConfig(specs, { file: `${dir}/c.yaml`, env: { KAFKA_BROKERS: 'x:1' } }))[0]!, /mapping/);
  });

  it('masks secrets in the logged config', () => {
    const config = loadConfig(specs, { env: { KAFKA_BROKERS: 'x:1', FLOWMESH_KAFKA_SASL_PASSWORD: 'hunter2' } });
    const shown = redactConfig(specs, config);
    assert.equal(shown.kafkaSaslPassword, '***');
    assert.equal(config.kafkaSaslPassword, 'hunter2');
  });
});
