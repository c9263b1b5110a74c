/**
 * `flowmesh stack --detach`: starts the stack as a background process of its
 * own, waits until it is ready, prints `export` lines for `eval` and exits.
 * (A foreground `flowmesh stack` inside `$(…)` would never return.)
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { projectPath } from '@flowmesh/lib';

const CLI = projectPath('bin/flowmesh.js');
/** Set in the detached child: it has no parent to watch. */
export const DETACHED_ENV = 'FLOWMESH_STACK_DETACHED';

export async function detachStack(args: readonly string[], timeoutMs = 120_000): Promise<void> {
  const logFile = `${tmpdir()}/flowmesh-stack-${process.pid}.log`;
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [CLI, 'stack', ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [DETACHED_ENV]: '1' },
  });
  closeSync(log);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(logFile, 'utf8');
    if (/^# ready/m.test(text)) {
      const env = text.split('\n').filter((line) => /^[A-Z_]+=/.test(line));
      for (const line of env) process.stdout.write(`export ${line}\n`);
      process.stdout.write(`export FLOWMESH_STACK_PID=${child.pid}\n`);
      process.stderr.write(`flowmesh stack: running in the background (pid ${child.pid}, log ${logFile}); stop it with: kill $FLOWMESH_STACK_PID\n`);
      child.unref();
      return;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      process.stderr.write(`flowmesh stack: the background stack did not start; its log (${logFile}):\n${text}`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
