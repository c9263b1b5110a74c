/**
 * What a start costs: `flowmesh --help`, `flowmesh joiner --help`, and a joiner's time from
 * spawn to its first answer on /healthz (its HTTP server is up: the code is loaded and the
 * service started) and to its first 200 on /readyz (connected, joined its consumer group, a
 * group of its own each time) against the embedded broker, each run by bin/flowmesh.js
 *   - from the sources through tsx (FLOWMESH_RUN=sources: the start before the build existed,
 *     less the lazy loading of the Kubernetes client, esbuild and playwright-core), and
 *   - from the build in dist/ (the default: the bin's mtime walk finds the build current),
 * in alternating rounds. The build is written first (scripts/build.js). With
 * BASELINE_CLI=<another checkout>/bin/flowmesh.js, that bin runs too, as a third mode
 * ("baseline", e.g. the commit before the build existed), and its ratio to the build is given.
 *
 * Prints one JSON line: per command, the median wall time of each mode in ms and the ratios
 * sources/build (and baseline/build), plus the rounds and the load average before and after.
 *
 * Run: node --import tsx bench/cli-start.bench.ts [rounds]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { freePort, projectPath, startMockBroker } from '@flowmesh/lib';
import { median, round, sleep } from './support/figures.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const CLI = projectPath('bin/flowmesh.js');
type Mode = 'sources' | 'build' | 'baseline';
const MODES: Partial<Record<Mode, { cli: string; env: NodeJS.ProcessEnv }>> = {
  sources: { cli: CLI, env: { FLOWMESH_RUN: 'sources' } },
  build: { cli: CLI, env: {} },
  ...(process.env.BASELINE_CLI ? { baseline: { cli: process.env.BASELINE_CLI, env: {} } } : {}),
};
const modes = Object.keys(MODES) as Mode[];

function spawnCli(mode: Mode, args: readonly string[]) {
  const { cli, env } = MODES[mode]!;
  return spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Wall time of a command that runs to its end. */
async function timeToExit(mode: Mode, args: readonly string[]): Promise<number> {
  const started = performance.now();
  const child = spawnCli(mode, args);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`flowmesh ${args.join(' ')} (${mode}) exited ${code}`);
  return performance.now() - started;
}

interface JoinerStart {
  /** First answer of any status on /healthz. */
  httpMs: number;
  /** First 200 on /readyz. */
  readyMs: number;
}

/** A joiner from spawn to its HTTP server answering, then to ready. */
async function joinerStart(mode: Mode, brokers: string): Promise<JoinerStart> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnCli(mode, ['joiner', '--kafka-brokers', brokers, '--group-id', `bench-${randomUUID()}`, '--http-port', String(port), '--log-level', 'warn']);
  const statusOf = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((response) => response.status, () => 0);
  const until = async (path: string, done: (status: number) => boolean) => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the joiner (${mode}) exited ${child.exitCode}`);
      if (done(await statusOf(path))) return performance.now() - started;
      await sleep(10);
    }
  };
  try {
    const httpMs = await until('/healthz', (status) => status !== 0);
    return { httpMs, readyMs: await until('/readyz', (status) => status === 200) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const build = spawn(process.execPath, [projectPath('scripts/build.js')], { stdio: 'inherit' });
if ((await new Promise((resolve) => build.once('exit', resolve))) !== 0) throw new Error('scripts/build.js failed');

const broker = await startMockBroker();
const loadBefore = loadavg().map((value) => round(value, 3));
const samples: Record<string, Partial<Record<Mode, number[]>>> = Object.fromEntries(
  ['help', 'joiner_help', 'joiner_http', 'joiner_ready'].map((name) => [name, Object.fromEntries(modes.map((mode) => [mode, []]))]),
);
const record = (name: string, mode: Mode, ms: number) => samples[name]![mode]!.push(ms);
try {
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which mode goes first, so neither always runs on a warmer cache.
    const order = i % 2 ? [...modes].reverse() : modes;
    for (const mode of order) record('help', mode, await timeToExit(mode, ['--help']));
    for (const mode of order) record('joiner_help', mode, await timeToExit(mode, ['joiner', '--help']));
    for (const mode of order) {
      const { httpMs, readyMs } = await joinerStart(mode, broker.bootstrap);
      record('joiner_http', mode, httpMs);
      record('joiner_ready', mode, readyMs);
    }
  }
} finally {
  await broker.stop();
}

const figures = Object.fromEntries(
  Object.entries(samples).map(([name, byMode]) => {
    const medians = Object.fromEntries(modes.map((mode) => [mode, median(byMode[mode]!)])) as Record<Mode, number>;
    return [
      name,
      {
        ...Object.fromEntries(modes.map((mode) => [`${mode}_ms`, round(medians[mode])])),
        ratio: round(medians.sources / medians.build, 3),
        ...(MODES.baseline ? { baseline_ratio: round(medians.baseline / medians.build, 3) } : {}),
      },
    ];
  }),
);
console.log(JSON.stringify({ bench: 'cli-start', rounds: ROUNDS, ...figures, node: process.version, loadavg_before: loadBefore, loadavg_after: loadavg().map((value) => round(value, 3)) }));
