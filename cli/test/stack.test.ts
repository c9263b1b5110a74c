import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';

function processAlive(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return true;
  } catch {
    return false;
  }
}

describe('flowmesh stack', () => {
  it('prints KAFKA_BROKERS, REDIS_URL, KUBE_API and PROMETHEUS; kcat lists the topics with the asked partitions; SIGTERM cleans up', async () => {
    const child = spawn(process.execPath, ['bin/flowmesh.js', 'stack', '--partitions', '7'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const env: Record<string, string> = {};
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      const match = /^(KAFKA_BROKERS|REDIS_URL|KUBE_API|PROMETHEUS)=(.*)$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
      if (line.startsWith('# ready')) break;
    }
    try {
      assert.match(env.KAFKA_BROKERS ?? '', /^127\.0\.0\.1:\d+$/);
      assert.match(env.REDIS_URL ?? '', /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.match(env.KUBE_API ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const metadata = JSON.parse(execFileSync('kcat', ['-b', env.KAFKA_BROKERS!, '-L', '-J'], { encoding: 'utf8' })) as {
        topics: { topic: string; partitions: unknown[] }[];
      };
      for (const topic of ['flowmesh.halves.v1', 'flowmesh.joined.v1', 'flowmesh.flows.v1', 'flowmesh.dlq.v1']) {
        assert.equal(metadata.topics.find((t) => t.topic === topic)?.partitions.length, 7, topic);
      }
      const pods = (await (await fetch(`${env.KUBE_API}/api/v1/pods`)).json()) as { kind: string };
      assert.equal(pods.kind, 'PodList');
      assert.match(env.PROMETHEUS ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${env.PROMETHEUS}/-/ready`)).ok, true, 'Prometheus ready');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const port = env.REDIS_URL!.split(':').at(-1)!;
    assert.equal(processAlive(`redis-server 127.0.0.1:${port}`), false, 'redis-server left behind');
    assert.equal(processAlive(`web.listen-address=127.0.0.1:${env.PROMETHEUS!.split(':').at(-1)}`), false, 'prometheus left behind');
  });

  it('stops its children when its parent is killed', async () => {
    // A shell parent that starts the stack and is then SIGKILLed.
    const shell = spawn('bash', ['-c', `${process.execPath} bin/flowmesh.js stack --partitions 1 & wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let redisUrl = '';
    for await (const line of createInterface({ input: shell.stdout })) {
      if (line.startsWith('REDIS_URL=')) redisUrl = line.slice(10);
      if (line.startsWith('# ready')) break;
    }
    const port = redisUrl.split(':').at(-1)!;
    assert.equal(processAlive(`redis-server 127.0.0.1:${port}`), true);
    shell.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (processAlive(`redis-server 127.0.0.1:${port}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(processAlive(`redis-server 127.0.0.1:${port}`), false, 'redis-server outlived the killed parent');
  });
});
