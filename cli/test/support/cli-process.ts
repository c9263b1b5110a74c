/** Runs `flowmesh …` as a child process the way a user does, recording each output line and when it came. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../bin/flowmesh.js', import.meta.url));

export interface Line {
  text: string;
  at: number;
}

export interface CliRun {
  child: ChildProcess;
  stdout: Line[];
  stderr: Line[];
  /** Resolves with the first line (already printed or to come) on `stream` that matches. */
  waitForLine(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<Line>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * @param cli another copy of bin/flowmesh.js (the compiled-start test runs one in a temporary tree)
 * @param node the Node.js executable that runs it (this test's own by default)
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cli = CLI, node = process.execPath): CliRun {
  const child = spawn(node, [cli, ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', REDIS_URL: '', KUBE_API: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<'stdout' | 'stderr', Line[]> = { stdout: [], stderr: [] };
  const waiters: { stream: 'stdout' | 'stderr'; pattern: RegExp; resolve(line: Line): void }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (text) => {
      const line = { text, at: Date.now() };
      lines[stream].push(line);
      for (const waiter of [...waiters]) {
        if (waiter.stream === stream && waiter.pattern.test(text)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    stdout: lines.stdout,
    stderr: lines.stderr,
    exited,
    waitForLine(stream, pattern, timeoutMs = 180_000) {
      const seen = lines[stream].find((line) => pattern.test(line.text));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${stream} line matching ${pattern} in ${timeoutMs} ms; stderr:\n${lines.stderr.map((l) => l.text).join('\n')}`)), timeoutMs);
        waiters.push({ stream, pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(() => setTimeout(() => reject(new Error(`exited before a ${stream} line matching ${pattern}; stderr:\n${lines.stderr.map((l) => l.text).join('\n')}`)), 100));
      });
    },
  };
}

/** Runs to the end; kills it (and fails) after `timeoutMs` (generous: a loaded CI machine starts the CLI slowly). */
export async function runToEnd(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000) {
  const run = runCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const exit = await run.exited;
  clearTimeout(timer);
  // Let the last lines arrive.
  await new Promise((resolve) => setImmediate(resolve));
  return { ...exit, stdout: run.stdout.map((l) => l.text), stderr: run.stderr.map((l) => l.text) };
}
