/**
 * Every service, started with a credential in every URL option and every
 * secret option, on the paths that work and the paths that fail: none of the
 * credentials appears in what it prints (JSON logs on stdout, errors on stderr).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startChild, startMockBroker, type Child, type MockBroker } from '@flowmesh/lib';
import { start as startKubeApi, type RunningStandin } from '@flowmesh/metadata-sync/standin';
import { runCli } from './support/cli-process.js';

const SECRET = {
  saslPassword: 'KafkaSaslPw-0a1',
  registryUrlPassword: 'RegUrlPw-0b2',
  registryPassword: 'RegPw-0c3',
  redisUrlPassword: 'RedisUrlPw-0d4',
  redisPassword: 'RedisPw-0e5',
  kubeUrlPassword: 'KubeUrlPw-0f6',
  remoteWriteUrlPassword: 'RwUrlPw-0g7',
  remoteWritePassword: 'RwPw-0h8',
  prometheusUrlPassword: 'PromUrlPw-0i9',
};

/** How long each service runs after its start-up line before it is stopped (unless it exits by itself). */
const RUN_MS = 15_000;

describe('no credential in any log', () => {
  let broker: MockBroker;
  let redis: Child;
  let redisPort: number;
  let kube: RunningStandin;

  before(async () => {
    broker = await startMockBroker();
    for (const topic of ['flowmesh.halves.v1', 'flowmesh.joined.v1', 'flowmesh.flows.v1', 'flowmesh.flows.json.v1', 'flowmesh.dlq.v1']) await broker.createTopic(topic, 2);
    redisPort = await freePort();
    redis = startChild('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--requirepass', SECRET.redisUrlPassword]);
    await redis.waitForLine(/Ready to accept connections/);
    kube = await startKubeApi();
  });
  after(async () => {
    await Promise.all([broker.stop(), redis.stop(), kube.stop()]);
  });

  it('every service, working and failing', async () => {
    const unreachable = await freePort();
    const kafka = ['--kafka-brokers', broker.bootstrap, '--kafka-partitions', '2'];
    const sasl = ['--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'flowmesh', '--kafka-sasl-password', SECRET.saslPassword];
    const registry = ['--schema-registry-url', `http://reg:${SECRET.registryUrlPassword}@127.0.0.1:${unreachable}`, '--schema-registry-username', 'reg', '--schema-registry-password', SECRET.registryPassword];
    const redisUrl = ['--redis-url', `redis://:${SECRET.redisUrlPassword}@127.0.0.1:${redisPort}`];
    const wrongRedisPassword = ['--redis-password', SECRET.redisPassword];
    const kubeApi = ['--kube-api', kube.url.replace('http://', `http://viewer:${SECRET.kubeUrlPassword}@`), '--no-leader-election'];
    const shell = ['--http-port', '0', '--http-host', '127.0.0.1'];
    const runs: Record<string, string[]> = {
      'agent working': ['agent', '--source', 'synthetic', ...kafka, ...shell],
      'agent with SASL and a registry it cannot reach': ['agent', '--source', 'synthetic', ...kafka, ...sasl, ...registry, ...shell],
      'joiner with SASL': ['joiner', ...kafka, ...sasl, ...shell],
      'joiner with a registry it cannot reach': ['joiner', ...kafka, ...registry, ...shell],
      'enricher working (password in the Redis URL)': ['enricher', ...kafka, ...redisUrl, ...shell],
      'enricher with a wrong Redis password, SASL and a registry': ['enricher', ...kafka, ...redisUrl, ...wrongRedisPassword, ...sasl, ...registry, ...shell],
      'metadata-sync working (password in the Redis and API URLs)': ['metadata-sync', ...redisUrl, ...kubeApi, ...shell],
      'metadata-sync with a wrong Redis password': ['metadata-sync', ...redisUrl, ...wrongRedisPassword, ...kubeApi, ...shell],
      'flow-metrics pushing to a remote-write endpoint it cannot reach (password in the URL and its option), SASL': [
        'flow-metrics',
        ...kafka,
        ...sasl,
        ...['--remote-write-url', `http://rw:${SECRET.remoteWriteUrlPassword}@127.0.0.1:${unreachable}/api/v1/write`, '--remote-write-interval-ms', '500'],
        ...['--remote-write-username', 'rw', '--remote-write-password', SECRET.remoteWritePassword],
        ...shell,
      ],
      'ipfix-export with SASL and a registry it cannot reach': ['ipfix-export', ...kafka, ...sasl, ...registry, '--collector', `udp://127.0.0.1:${unreachable}`, ...shell],
      'ui with a password in the Prometheus URL, SASL': ['ui', ...kafka, ...sasl, '--prometheus-url', `http://prom:${SECRET.prometheusUrlPassword}@127.0.0.1:${unreachable}`, ...shell],
    };
    const outputs = await Promise.all(
      Object.entries(runs).map(async ([name, args]) => {
        const run = runCli(args);
        let timer: NodeJS.Timeout | undefined;
        run
          .waitForLine('stdout', /"msg":"starting /, 120_000)
          .then(() => (timer = setTimeout(() => run.child.kill('SIGTERM'), RUN_MS)))
          .catch(() => run.child.kill('SIGTERM'));
        await run.exited;
        clearTimeout(timer);
        return { name, text: [...run.stdout, ...run.stderr].map((line) => line.text).join('\n') };
      }),
    );
    for (const { name, text } of outputs) {
      // The start-up config line is there, so the check below looked at something.
      assert.match(text, /"config":\{.*"msg":"starting /, `${name}: no start-up config line:\n${text.slice(0, 2000)}`);
      for (const [what, secret] of Object.entries(SECRET)) {
        assert.equal(text.includes(secret), false, `${name}: ${what} appears in its output:\n${text.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
      }
    }
    // The working runs really worked: the view was written with the password from the URL.
    const sync = outputs.find((o) => o.name.startsWith('metadata-sync working'))!;
    assert.doesNotMatch(sync.text, /WRONGPASS|NOAUTH/, 'metadata-sync could not use the password in --redis-url');
  });
});
