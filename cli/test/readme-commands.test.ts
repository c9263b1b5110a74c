/**
 * The README's "Using it" commands, run as written in bash (only the ops
 * ports are moved off their defaults, FLOWMESH_HTTP_PORT=0, so that the test
 * runs beside anything else on the machine).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function shellBlockAfter(markdown: string, heading: string): string {
  const from = markdown.indexOf(heading);
  assert.ok(from >= 0, `no ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(from));
  assert.ok(block, `no sh block after ${heading}`);
  return block[1]!;
}

describe("the README's commands", () => {
  it('"Using it": the detached stack, the four services, tail shows enriched records naming workloads, kcat lists the topics, kill stops all', async () => {
    const script = shellBlockAfter(readFileSync(`${ROOT}/README.md`, 'utf8'), '## Using it');
    assert.match(script, /eval "\$\(npx flowmesh stack --detach --example\)"/);
    // As in a terminal: job control on (so `kill %1` signals the whole job, npx and the service under it);
    // on the way out, whatever job is left is stopped too.
    const prelude = `set -m\ntrap 'for job in $(jobs -p); do kill -- -$job 2>/dev/null; done' EXIT\n`;
    const shell = spawn('bash', ['-c', `${prelude}${script}\nwait`], {
      cwd: ROOT,
      env: { ...process.env, FLOWMESH_HTTP_PORT: '0', KAFKA_BROKERS: '', REDIS_URL: '', KUBE_API: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      shell.kill('SIGTERM'); // runs the EXIT trap
      setTimeout(() => shell.kill('SIGKILL'), 10_000).unref();
    }, 420_000);
    const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
    shell.stdout.destroy();
    shell.stderr.destroy();
    clearTimeout(timer);
    const stackPid = Number(/running in the background \(pid (\d+)/.exec(stderr)?.[1]);
    try {
      assert.equal(code, 0, `the commands failed:\n${stderr.slice(-3000)}`);
      const records = stdout
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"src_addr"'))
        .map((line) => JSON.parse(line) as { src_workload_name: string | null; dst_workload_name: string | null; src_process_name: string | null });
      assert.equal(records.length, 10, 'tail --max 10 printed ten records');
      assert.ok(
        records.some((r) => r.src_workload_name || r.dst_workload_name),
        `no record names a workload (the example cluster did not reach the enricher): ${JSON.stringify(records[0])}`,
      );
      assert.match(stdout, /topic "flowmesh\.flows\.v1" with 12 partitions/, 'kcat -L lists the flows topic');
      assert.ok(Number.isInteger(stackPid), 'the stack said its pid');
      // kill "$FLOWMESH_STACK_PID" stopped the stack.
      const deadline = Date.now() + 15_000;
      while (alive(stackPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(alive(stackPid), false, 'the background stack outlived kill $FLOWMESH_STACK_PID');
    } finally {
      if (Number.isInteger(stackPid) && alive(stackPid)) process.kill(stackPid, 'SIGKILL');
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
