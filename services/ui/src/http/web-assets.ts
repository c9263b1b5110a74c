/**
 * The page's files: index.html and style.css as they are in web/, and the
 * scripts bundled once at start by esbuild (the page's TypeScript with
 * Cytoscape.js and the fCoSE layout, and the small script that fetches the
 * first graph before it), all kept in memory.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '@flowmesh/lib';

const WEB = projectPath('services/ui/web/');

export interface Asset {
  type: string;
  body: Buffer;
}

/** One script of the page, bundled and minified. */
async function bundle(entry: string, format: 'esm' | 'iife'): Promise<Buffer> {
  // Loaded on use: esbuild's start-up would otherwise count against every flowmesh command.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${WEB}${entry}`],
    bundle: true,
    minify: true,
    format,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

export async function loadWebAssets(): Promise<Map<string, Asset>> {
  const [app, firstGraph] = await Promise.all([bundle('app.ts', 'esm'), bundle('first-graph.ts', 'iife')]);
  const script = 'text/javascript; charset=utf-8';
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(`${WEB}index.html`) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${WEB}style.css`) }],
    ['/app.js', { type: script, body: app }],
    ['/first-graph.js', { type: script, body: firstGraph }],
  ]);
}
