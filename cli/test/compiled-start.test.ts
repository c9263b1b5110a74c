/**
 * bin/flowmesh.js runs the build in dist/ while it is current and the TypeScript sources
 * once one is newer; the compiled CLI runs real commands. Works on a copy of the CLI in a
 * temporary tree (the workspaces come through its node_modules link), so the worktree's
 * own build is left as it is.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort, startMockBroker, type MockBroker } from '@flowmesh/lib';
import { until } from '@flowmesh/lib/testing';
import { runCli } from './support/cli-process.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DESCRIPTION = 'Process-aware, Kubernetes-aware network flow records on Kafka.';
/** The image's Node.js LTS, installed by scripts/setup.sh from the npm registry. */
const LTS_NODE = join(REPO, `.tools/node-lts/node_modules/node-linux-${process.arch}/bin/node`);
/** This machine's Node.js (the oldest supported, 20 here) and the image's. */
const RUNTIMES = [
  { name: `this machine's Node.js ${process.versions.node}`, node: process.execPath },
  { name: "the image's Node.js LTS", node: LTS_NODE },
];

async function help(tree: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const run = runCli(['--help'], env, join(tree, 'bin/flowmesh.js'));
  const { code } = await run.exited;
  assert.equal(code, 0, run.stderr.map((line) => line.text).join('\n'));
  return run.stdout.map((line) => line.text).join('\n');
}

describe('compiled start', () => {
  let tree: string;
  let builtMain: string;
  let broker: MockBroker;
  /** Dates the build an hour back, so the sources are newer without any file dated in the future. */
  const ageBuild = () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(builtMain, hourAgo, hourAgo);
  };

  before(async () => {
    tree = mkdtempSync(join(tmpdir(), 'flowmesh-compiled-'));
    for (const path of ['bin', 'cli', 'lib', 'services', 'schemas', 'scripts/build.js', 'package.json']) {
      cpSync(join(REPO, path), join(tree, path), { recursive: true, filter: (source) => !/\/(node_modules|dist|test)$/.test(source) });
    }
    symlinkSync(join(REPO, 'node_modules'), join(tree, 'node_modules'));
    execFileSync(process.execPath, [join(tree, 'scripts/build.js')], { stdio: 'pipe' });
    builtMain = join(tree, 'dist/main.js');
    broker = await startMockBroker();
  });

  after(async () => {
    await broker?.stop();
    rmSync(tree, { recursive: true, force: true });
  });

  it('the compiled CLI prints the configuration reference the sources generate (docs/config.md)', async () => {
    const run = runCli(['config-docs'], { FLOWMESH_RUN: 'build' }, join(tree, 'bin/flowmesh.js'));
    assert.equal((await run.exited).code, 0, run.stderr.map((line) => line.text).join('\n'));
    assert.equal(`${run.stdout.map((line) => line.text).join('\n')}\n`, readFileSync(join(REPO, 'docs/config.md'), 'utf8'));
  });

  for (const runtime of RUNTIMES) {
    it(`a compiled stage starts and becomes ready against the embedded broker on ${runtime.name}, reading schemas/ from the tree`, async () => {
      assert.ok(existsSync(runtime.node), `${runtime.node} is missing: scripts/setup.sh installs it`);
      const httpPort = await freePort();
      const args = ['joiner', '--kafka-brokers', broker.bootstrap, '--kafka-compression', 'zstd', '--http-port', String(httpPort), '--log-level', 'warn'];
      const run = runCli(args, { FLOWMESH_RUN: 'build' }, join(tree, 'bin/flowmesh.js'), runtime.node);
      try {
        await until(
          () => fetch(`http://127.0.0.1:${httpPort}/readyz`).then((response) => response.status, () => 0),
          (status) => status === 200,
          `the compiled joiner /readyz on ${runtime.name}`,
          120_000,
        );
      } finally {
        run.child.kill('SIGTERM');
      }
      assert.equal((await run.exited).code, 0, run.stderr.map((line) => line.text).join('\n'));
    });
  }

  it('the LTS the tests run on is the one the image is built on', () => {
    const imageMajor = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(readFileSync(join(REPO, 'Dockerfile'), 'utf8'))?.[1];
    const ltsMajor = execFileSync(LTS_NODE, ['--version'], { encoding: 'utf8' }).trim().replace(/^v(\d+)\..*$/, '$1');
    assert.equal(ltsMajor, imageMajor);
  });

  it('runs dist/main.js while no source is newer', async () => {
    // Mark the build itself: only a run of dist/main.js can print this.
    writeFileSync(builtMain, readFileSync(builtMain, 'utf8').replace(DESCRIPTION, 'from the build in dist'));
    assert.match(await help(tree), /from the build in dist/);
  });

  it('runs the sources through tsx once one of them is newer than the build', async () => {
    const main = join(tree, 'cli/src/main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace(DESCRIPTION, 'from the edited sources'));
    ageBuild();
    const output = await help(tree);
    assert.match(output, /from the edited sources/);
    assert.doesNotMatch(output, /from the build in dist/);
    // FLOWMESH_RUN=build still takes the build, stale or not (the image sets it).
    assert.match(await help(tree, { FLOWMESH_RUN: 'build' }), /from the build in dist/);
  });

  it('a rebuild makes the build current again', async () => {
    execFileSync(process.execPath, [join(tree, 'scripts/build.js')], { stdio: 'pipe' });
    writeFileSync(builtMain, readFileSync(builtMain, 'utf8').replace('from the edited sources', 'from the rebuilt dist'));
    assert.match(await help(tree), /from the rebuilt dist/);
  });

  it('a production install (no tsx) with a stale build says so in one line instead of failing to import', async () => {
    // node_modules as `npm ci --omit=dev` leaves it: everything but the dev dependency tsx.
    rmSync(join(tree, 'node_modules'));
    mkdirSync(join(tree, 'node_modules'));
    for (const name of readdirSync(join(REPO, 'node_modules'))) if (name !== 'tsx') symlinkSync(join(REPO, 'node_modules', name), join(tree, 'node_modules', name));
    ageBuild();
    const run = runCli(['--help'], {}, join(tree, 'bin/flowmesh.js'));
    assert.equal((await run.exited).code, 2);
    assert.deepEqual(
      run.stderr.map((line) => line.text),
      ['flowmesh: a source is newer than dist/ and tsx (a dev dependency) is not installed: run node scripts/build.js'],
    );
  });
});
