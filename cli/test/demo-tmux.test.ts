/**
 * `flowmesh demo` in a real terminal (tmux) at 100×30 and 200×50: the frame
 * fits (no wrapped row), says the capture mode, keeps the hints on screen,
 * and Ctrl-C stops everything in order within 5 s and says where the logs are.
 * The synthetic source is used: the eBPF demo's namespaces have fixed names
 * that another run on the same machine would share.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STOP_WITHIN_MS = 5000;

class TmuxPane {
  private readonly socket: string;
  constructor(readonly columns: number, readonly rows: number) {
    this.socket = `flowmesh-demo-test-${process.pid}-${columns}x${rows}`;
  }
  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', cwd: ROOT });
  }
  start(command: string): void {
    this.tmux('new-session', '-d', '-x', String(this.columns), '-y', String(this.rows), '-s', 'demo', '-c', ROOT, command);
  }
  /** The visible screen; `joined` rejoins rows the terminal wrapped. */
  capture(joined = false): string[] {
    return this.tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), '-t', 'demo').replace(/\n+$/, '').split('\n');
  }
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'demo', ...keys);
  }
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

async function until<T>(what: string, timeoutMs: number, everyMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function checkDemoAt(columns: number, rows: number): Promise<void> {
  const pane = new TmuxPane(columns, rows);
  pane.start(`node bin/flowmesh.js demo --source synthetic; echo DEMO-EXITED-$?; sleep 600`);
  try {
    // A frame with at least one table row under the header.
    const screen = await until(`a flow table at ${columns}x${rows}`, 240_000, 1000, () => {
      const lines = pane.capture(true);
      const header = lines.findIndex((line) => /^SOURCE\s+SRC PROC\s+DESTINATION\s+DST PROC/.test(line));
      return header >= 0 && /\S/.test(lines[header + 1] ?? '') && !/waiting for the first/.test(lines[header + 1] ?? '') ? lines : undefined;
    });
    const context = `${columns}x${rows}:\n${screen.join('\n')}`;
    for (const line of screen) assert.ok([...line].length <= columns, `a line wider than the terminal (${[...line].length}) at ${context}`);
    assert.deepEqual(pane.capture(false).length, screen.length, `rows were wrapped at ${context}`);
    assert.match(screen[0]!, /^flowmesh demo — SYNTHETIC traffic/, context);
    assert.ok(screen.some((line) => line.startsWith('OUT/IN: bytes sent/received by the reporting end')), `no OUT/IN legend at ${context}`);
    assert.ok(screen.some((line) => line.startsWith('In another terminal')), `no hints on screen at ${context}`);
    assert.ok(screen.some((line) => /\bnginx\b.*\bnode\b/.test(line)), `no row with both ends' process names at ${context}`);

    const sent = Date.now();
    pane.keys('C-c');
    const after = await until('the demo to exit', 30_000, 100, () => {
      const lines = pane.capture(true);
      return lines.some((line) => line.startsWith('DEMO-EXITED-')) ? lines : undefined;
    });
    const took = Date.now() - sent;
    assert.ok(took < STOP_WITHIN_MS, `Ctrl-C took ${took} ms at ${columns}x${rows}`);
    const text = after.join('\n');
    assert.match(text, /flowmesh demo: stopped everything in [\d.]+ s; service logs: \/\S+flowmesh-demo-\w+/, text);
    assert.match(text, /DEMO-EXITED-0/, text);
  } finally {
    pane.kill();
  }
}

describe('flowmesh demo in a terminal', () => {
  it('fits 100x30 and 200x50, says SYNTHETIC, keeps the hints, and Ctrl-C stops it within 5 s', async () => {
    await Promise.all([checkDemoAt(100, 30), checkDemoAt(200, 50)]);
  });
});
