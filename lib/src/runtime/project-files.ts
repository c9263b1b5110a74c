/**
 * Where the files flowmesh reads at run time live (schemas/, the ui's web/,
 * the probe loader, the mock broker, child-process entry points), found from
 * the project root rather than from the calling module's own URL: the same
 * code runs from its TypeScript sources (through tsx) and from the bundles in
 * dist/ (scripts/build.js), where every module shares the bundle's URL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** True when this process runs the build in dist/, false when it runs the sources through tsx. */
export const runsCompiled = !HERE.endsWith('.ts');

/** The directory holding flowmesh's own package.json (the repository, /app in the image). */
export const projectRoot = findProjectRoot(dirname(HERE));

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flowmesh') return dir;
    if (dirname(dir) === dir) throw new Error(`flowmesh: no flowmesh package.json above ${start}`);
  }
}

/** A path inside the project, e.g. projectPath('schemas/'). */
export function projectPath(relative: string): string {
  return join(projectRoot, relative);
}

/** The folder scripts/build.js writes to; every bundle is named after its entry's source file. */
export const BUILD_DIR = 'dist';

export interface EntryPoint {
  file: string;
  /** Node flags the child needs: tsx for a source, none for a bundle. */
  execArgv: string[];
}

/**
 * A child process's entry point, given as its source (project-relative, e.g.
 * 'services/node-agent/src/probes/probe-process.ts'): its bundle when this
 * process runs compiled, else the source loaded through tsx.
 */
export function entryPoint(source: string): EntryPoint {
  if (runsCompiled) return { file: projectPath(`${BUILD_DIR}/${basename(source, '.ts')}.js`), execArgv: [] };
  return { file: projectPath(source), execArgv: ['--import', projectPath('node_modules/tsx/dist/esm/index.mjs')] };
}
