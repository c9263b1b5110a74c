/** Child processes of the embedded stack: started with their lines readable, stopped with a deadline. */
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

export interface Child {
  process: ChildProcess;
  lines: Interface;
  /** Resolves with the first stdout line matching `pattern`, rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that makes the kernel send the child SIGTERM when its
 * parent dies, even by SIGKILL (setpriv from util-linux), so that children in
 * a process group of their own are never left behind.
 */
export function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, [...args]];
}

/**
 * Starts a child in a process group of its own: a terminal's Ctrl-C reaches
 * only the parent, which stops its children in order (a broker that died with
 * the services would leave them nothing to drain into).
 */
export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, ...options });
  const lines = createInterface({ input: child.stdout! });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    process: child,
    lines,
    waitForLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${command}: no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const onLine = (line: string) => {
          const match = pattern.exec(line);
          if (match) done(undefined, match);
        };
        const onExit = (code: number | null) => done(new Error(`${command} exited (${code}) before printing ${pattern}; stderr: ${stderr}`));
        function done(error?: Error, match?: RegExpExecArray) {
          clearTimeout(timer);
          lines.off('line', onLine);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(match!);
        }
        lines.on('line', onLine);
        child.once('exit', onExit);
        if (child.exitCode !== null) onExit(child.exitCode);
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
