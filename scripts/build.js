#!/usr/bin/env node
// Writes the CLI and the child-process entry points as JavaScript bundles into dist/, so a
// start loads plain JavaScript instead of transpiling ~300 TypeScript modules through tsx.
// npm packages stay external (loaded from node_modules as usual); the workspaces
// (@flowmesh/*) are bundled. bin/flowmesh.js runs dist/main.js while it is newer than
// every source, see there. Usage: node scripts/build.js
import { renameSync, rmSync, utimesSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}dist`;

// Every file a process starts from. Each bundle is named after its source (dist/<name>.js):
// lib's entryPoint() finds them by that name.
const ENTRY_POINTS = [
  'cli/src/main.ts',
  'services/node-agent/src/probes/probe-process.ts',
  'cli/src/demo/actor.ts',
];

const names = ENTRY_POINTS.map((entry) => basename(entry, '.ts'));
if (new Set(names).size !== names.length) throw new Error(`entry points need distinct file names: ${names.join(', ')}`);

/** Bare imports stay external, except the workspaces, which are ours to bundle. */
const externalPackages = {
  name: 'external-packages',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[^./]/ }, ({ path, kind }) =>
      kind === 'entry-point' || path.startsWith('@flowmesh/') ? undefined : { path, external: true },
    );
  },
};

// A file saved while the build runs must count as newer than the build: stamp it with its start.
const started = new Date();
const staging = `${OUT}.tmp-${process.pid}`;
await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRY_POINTS,
  outdir: staging,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // Shared code goes into chunks, and a dynamic import() stays lazy (with its npm packages).
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  plugins: [externalPackages],
  logLevel: 'warning',
}).catch((error) => {
  rmSync(staging, { recursive: true, force: true });
  throw error;
});
// Swap the whole folder at once; meanwhile bin/flowmesh.js finds no build and runs the sources.
rmSync(OUT, { recursive: true, force: true });
renameSync(staging, OUT);
utimesSync(`${OUT}/main.js`, started, started);
