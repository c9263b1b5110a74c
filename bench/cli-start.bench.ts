/**
 * What a start costs: `flowmesh --help`, `flowmesh joiner --help`, and a joiner's time from
 * spawn to its first 200 on /readyz against the embedded broker, each run by bin/flowmesh.js
 *   - from the sources through tsx (FLOWMESH_RUN=sources: the start before the build existed,
 *     less the lazy loading of the Kubernetes client, esbuild and playwright-core), and
 *   - from the build in dist/ (the default: the bin's mtime walk finds the build current),
 * in alternating rounds. The build is written first (scripts/build.js).
 *
 * Prints one JSON line: per command, the median wall time of each in ms and the ratio
 * sources/build, plus the rounds and the load average before and after.
 *
 * Run: node --import tsx bench/cli-start.bench.ts [rounds]
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { freePort, projectPath, startMockBroker } from '@flowmesh/lib';
import { median, round, sleep } from './support/figures.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const CLI = projectPath('bin/flowmesh.js');
const MODES = { sources: { FLOWMESH_RUN: 'sources' }, build: {} } as const;
type Mode = keyof typeof MODES;

function spawnCli(mode: Mode, args: readonly string[]) {
  return spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...MODES[mode] }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Wall time of a command that runs to its end. */
async function timeToExit(mode: Mode, args: readonly string[]): Promise<number> {
  const started = performance.now();
  const child = spawnCli(mode, args);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`flowmesh ${args.join(' ')} (${mode}) exited ${code}`);
  return performance.now() - started;
}

/** Wall time from spawning a joiner until its /readyz answers 200 (connected and consuming). */
async function timeToReady(mode: Mode, brokers: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnCli(mode, ['joiner', '--kafka-brokers', brokers, '--http-port', String(port), '--log-level', 'warn']);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the joiner (${mode}) exited ${child.exitCode}`);
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then((response) => response.status, () => 0);
      if (status === 200) return performance.now() - started;
      await sleep(20);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const build = spawn(process.execPath, [projectPath('scripts/build.js')], { stdio: 'inherit' });
if ((await new Promise((resolve) => build.once('exit', resolve))) !== 0) throw new Error('scripts/build.js failed');

const broker = await startMockBroker();
const loadBefore = loadavg().map((value) => round(value, 3));
const measures: Record<string, (mode: Mode) => Promise<number>> = {
  help: (mode) => timeToExit(mode, ['--help']),
  joiner_help: (mode) => timeToExit(mode, ['joiner', '--help']),
  joiner_ready: (mode) => timeToReady(mode, broker.bootstrap),
};
const samples: Record<string, Record<Mode, number[]>> = Object.fromEntries(Object.keys(measures).map((name) => [name, { sources: [], build: [] }]));
try {
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which mode goes first, so neither always runs on a warmer cache.
    const order: Mode[] = i % 2 ? ['build', 'sources'] : ['sources', 'build'];
    for (const [name, measure] of Object.entries(measures)) for (const mode of order) samples[name]![mode].push(await measure(mode));
  }
} finally {
  await broker.stop();
}

const figures = Object.fromEntries(
  Object.entries(samples).map(([name, { sources, build: built }]) => [
    name,
    { sources_ms: round(median(sources)), build_ms: round(median(built)), ratio: round(median(sources) / median(built), 3) },
  ]),
);
console.log(JSON.stringify({ bench: 'cli-start', rounds: ROUNDS, ...figures, node: process.version, loadavg_before: loadBefore, loadavg_after: loadavg().map((value) => round(value, 3)) }));
