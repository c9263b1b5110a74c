#!/usr/bin/env node
// Runs the CLI from its build (dist/main.js, written by scripts/build.js) when that build is
// current, and otherwise from the TypeScript sources through tsx, so an edited file never runs
// stale code. "Current": no file under the bundled folders is newer than the build.
// FLOWMESH_RUN=build or =sources forces one (the image sets build; benchmarks compare both).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'dist/main.js');
const SOURCE = join(ROOT, 'cli/src/main.ts');
// What the bundles are made of, plus the script that makes them. schemas/ and the ui's web/
// are read at run time, by the build as by the sources, so they never make a build stale.
const BUNDLED = ['cli', 'lib', 'services', 'scripts/build.js'];
const NOT_BUNDLED = new Set(['node_modules', 'dist', 'test', 'web']);

/** True when some file under `path` was modified after `time` (ms). Stops at the first. */
function newerThan(path, time) {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return false;
  if (!stats.isDirectory()) return stats.mtimeMs > time;
  return readdirSync(path, { withFileTypes: true }).some((entry) => !NOT_BUNDLED.has(entry.name) && newerThan(join(path, entry.name), time));
}

function buildIsCurrent() {
  const built = statSync(BUILD, { throwIfNoEntry: false });
  if (!built) return false;
  if (!existsSync(SOURCE)) return true; // an install without sources (the image): the build is all there is
  return !BUNDLED.some((path) => newerThan(join(ROOT, path), built.mtimeMs));
}

const mode = process.env.FLOWMESH_RUN ?? 'auto';
if (!['auto', 'build', 'sources'].includes(mode)) {
  process.stderr.write(`flowmesh: FLOWMESH_RUN must be auto, build or sources, not ${mode}\n`);
  process.exit(2);
}
if (mode === 'build' || (mode === 'auto' && buildIsCurrent())) {
  if (!existsSync(BUILD)) {
    process.stderr.write(`flowmesh: FLOWMESH_RUN=build but ${BUILD} does not exist (run: node scripts/build.js)\n`);
    process.exit(2);
  }
  await import(new URL('../dist/main.js', import.meta.url).href);
} else {
  const tsx = await import('tsx/esm/api').catch((error) => {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // A production install (npm ci --omit=dev) has no tsx: only a current build runs there.
    process.stderr.write(`flowmesh: ${existsSync(BUILD) ? 'a source is newer than dist/' : 'no build in dist/'} and tsx (a dev dependency) is not installed: run node scripts/build.js\n`);
    process.exit(2);
  });
  tsx.register();
  await import('../cli/src/main.ts');
}
