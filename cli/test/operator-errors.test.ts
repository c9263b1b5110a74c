/** Every mistake a new user makes first gets one clear line and an exit code, not a stack or a screen of help. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { freePort, startMockBroker, type MockBroker } from '@flowmesh/lib';
import { runCli, runToEnd } from './support/cli-process.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('mistakes get one clear line', () => {
  it('--version prints the version', async () => {
    const result = await runToEnd(['--version']);
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout, [version]);
  });

  it('an unknown flag: the error, the "did you mean" and a --help pointer only (exit 2)', async () => {
    const result = await runToEnd(['joiner', '--kafka-brokerz', 'x']);
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr, ["error: unknown option '--kafka-brokerz'", '(Did you mean --kafka-brokers?)', '(add --help for every option)']);
  });

  it('a bad choice, a bad number and a bad CIDR are reported together (exit 2)', async () => {
    const result = await runToEnd(['joiner', '--kafka-brokers', '127.0.0.1:1', '--log-level', 'loud', '--grace-ms', '-5', '--cluster-cidrs', '10.0.0.0/99']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr[0], 'flowmesh: invalid configuration (3 problems):');
    assert.match(result.stderr.join('\n'), /--log-level: .*"loud"/);
    assert.match(result.stderr.join('\n'), /--grace-ms: .*"-5"/);
    assert.match(result.stderr.join('\n'), /--cluster-cidrs: 10\.0\.0\.0\/99/);
    assert.equal(result.stderr.length, 4);
  });

  it('a port in use is one line naming --http-port (exit 2)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await runToEnd(['joiner', '--kafka-brokers', '127.0.0.1:1', '--http-port', String(port)]);
      assert.equal(result.code, 2);
      assert.deepEqual(result.stderr, [
        `flowmesh: cannot listen on 0.0.0.0:${port} (--http-port): address already in use (another service on this host has it; give this one another --http-port)`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('each service has its own default port (--help shows it)', async () => {
    const expected = { agent: 9400, joiner: 9401, enricher: 9402, 'metadata-sync': 9403 };
    await Promise.all(
      Object.entries(expected).map(async ([service, port]) => {
        const help = (await runToEnd([service, '--help'])).stdout.join(' ').replace(/\s+/g, ' ');
        assert.match(help, new RegExp(`--http-port <int> .*?\\(default: ${port}\\)`), service);
      }),
    );
  });

  it('metadata-sync with no kubeconfig anywhere says how to give one (exit 2)', async () => {
    const home = mkdtempSync(`${tmpdir()}/flowmesh-nohome-`);
    const result = await runToEnd(['metadata-sync', '--redis-url', 'redis://127.0.0.1:1'], { HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' });
    assert.equal(result.code, 2);
    assert.equal(result.stderr.length, 1);
    assert.match(result.stderr[0]!, /^flowmesh: no Kubernetes API to watch: give --kube-api <url> .* or --kubeconfig <file>, or run in a cluster \(~\/\.kube\/config does not exist\)/);
  });

  it('metadata-sync --kubeconfig /nonexistent is one problem, not a stack (exit 2)', async () => {
    const result = await runToEnd(['metadata-sync', '--redis-url', 'redis://127.0.0.1:1', '--kubeconfig', '/nonexistent']);
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr, ['flowmesh: --kubeconfig /nonexistent: cannot read it (ENOENT)']);
  });
});

describe('unreachable dependencies', () => {
  let broker: MockBroker;
  before(async () => {
    broker = await startMockBroker();
  });
  after(async () => broker.stop());

  it('a stage with a wrong --kafka-brokers: not ready, one line naming the broker, then exit 1 with that line', async () => {
    const port = await freePort();
    const run = runCli(['joiner', '--kafka-brokers', `127.0.0.1:${port}`, '--http-port', '0', '--http-host', '127.0.0.1']);
    const listening = await run.waitForLine('stdout', /ops endpoints listening/);
    const httpPort = (JSON.parse(listening.text) as { httpPort: number }).httpPort;
    await run.waitForLine('stdout', /cannot reach/);
    const readyz = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    assert.equal(readyz.status, 503, 'ready while the broker cannot be reached');
    const exit = await run.exited;
    assert.equal(exit.code, 1);
    const said = `cannot reach 127.0.0.1:${port} (--kafka-brokers): connection refused`;
    const warnings = run.stdout.filter((line) => line.text.includes('cannot reach')).map((line) => (JSON.parse(line.text) as { msg: string }).msg);
    assert.ok(warnings.length >= 1 && warnings.length <= 3, `said ${warnings.length} times`);
    for (const warning of warnings) assert.equal(warning, `${said}; retrying`);
    const errors = run.stdout.filter((line) => /"level":"error"/.test(line.text));
    assert.deepEqual(errors, [], 'kafkajs error lines besides the one line');
    assert.equal(run.stderr.length, 1, run.stderr.map((l) => l.text).join('\n'));
    assert.match(run.stderr[0]!.text, new RegExp(`^flowmesh: ${said.replace(/[.()]/g, '\\$&')}; gave up`));
  });

  it('the enricher with an unreachable Redis names the (masked) URL and the cause, and counts the failures', async () => {
    const redisPort = await freePort();
    const run = runCli([
      'enricher',
      '--kafka-brokers', broker.bootstrap,
      '--redis-url', `redis://:Sup3rSecret@127.0.0.1:${redisPort}`,
      '--http-port', '0',
      '--http-host', '127.0.0.1',
      '--kafka-partitions', '2',
    ]);
    try {
      const listening = await run.waitForLine('stdout', /ops endpoints listening/);
      const httpPort = (JSON.parse(listening.text) as { httpPort: number }).httpPort;
      const warning = await run.waitForLine('stdout', /cannot reach Redis/);
      assert.equal(
        (JSON.parse(warning.text) as { msg: string }).msg,
        `cannot reach Redis at redis://:***@127.0.0.1:${redisPort} (--redis-url): connect ECONNREFUSED 127.0.0.1:${redisPort}; serving from cache, retrying`,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const errors = Number(/^flowmesh_enricher_redis_errors_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      assert.ok(errors > 0, 'redis_errors_total stayed 0 while Redis was never reached');
      assert.equal(run.stdout.some((line) => line.text.includes('Sup3rSecret')), false);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
