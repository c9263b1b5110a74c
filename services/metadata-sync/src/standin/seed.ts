/** Reads stand-in seed objects from multi-document YAML (a `kind: List` document is flattened). */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './object-store.js';

export function parseSeedYaml(text: string, origin = 'seed'): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length) throw new Error(`${origin}: document ${index + 1}: ${document.errors[0]!.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${origin}: document ${index + 1} is not an object`);
    const object = value as KubeObject;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object['items'])) {
      objects.push(...(object['items'] as KubeObject[]));
    } else objects.push(object);
  }
  return objects;
}

export async function readSeedFile(path: string): Promise<KubeObject[]> {
  return parseSeedYaml(await readFile(path, 'utf8'), path);
}
