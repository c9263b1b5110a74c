/** Runs test/support/peer.mjs inside a network namespace under a chosen process name. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PEER_SCRIPT = fileURLToPath(new URL('./peer.mjs', import.meta.url));

export interface PeerPlan {
  tcp: { client: number; server: number; pauseMs?: number }[];
  udp: { client: number; server: number }[];
}

export interface PeerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line equal to `line`. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * The process name (comm) the kernel reports is the basename of the executed
 * file, so each role runs node through a symlink named after it.
 */
export class NamedNode {
  private readonly dir = mkdtempSync(join(tmpdir(), 'fm-peer-'));

  path(name: string): string {
    const link = join(this.dir, name);
    try {
      symlinkSync(process.execPath, link);
    } catch {
      // exists
    }
    return link;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function startPeer(options: { netns: string; executable: string; args: string[] }): PeerProcess {
  // `ip netns exec` execs the command in place: the child's pid is the peer's pid
  const child = spawn('ip', ['netns', 'exec', options.netns, options.executable, PEER_SCRIPT, ...options.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const seen: string[] = [];
  lines.on('line', (line) => seen.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    exited,
    waitFor(line, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`peer did not print ${line} in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          if (!seen.includes(line)) return false;
          clearTimeout(timer);
          lines.off('line', check);
          resolve();
          return true;
        };
        if (!check()) lines.on('line', check);
        void exited.then((code) => {
          if (!seen.includes(line)) {
            clearTimeout(timer);
            reject(new Error(`peer exited (${code}) before printing ${line}; stderr: ${stderr}`));
          }
        });
      });
    },
  };
}
