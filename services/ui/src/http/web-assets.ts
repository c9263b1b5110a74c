/**
 * The page's files: index.html and style.css as they are in web/, and the
 * script bundled once at start by esbuild (the page's TypeScript with
 * Cytoscape.js and the fCoSE layout), all kept in memory.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '@flowmesh/lib';

const WEB = projectPath('services/ui/web/');

export interface Asset {
  type: string;
  body: Buffer;
}

export async function loadWebAssets(): Promise<Map<string, Asset>> {
  // Loaded on use: esbuild's start-up would otherwise count against every flowmesh command.
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [`${WEB}app.ts`],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const script = bundle.outputFiles[0]!.contents;
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(`${WEB}index.html`) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${WEB}style.css`) }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(script) }],
  ]);
}
