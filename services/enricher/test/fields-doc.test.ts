/** docs/fields.md documents every field of the output schema, and nothing that is not in it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { latestSchema } from '@flowmesh/lib';

const doc = readFileSync(new URL('../../../docs/fields.md', import.meta.url), 'utf8');

test('every EnrichedFlow field is in docs/fields.md', () => {
  const fields = (latestSchema('EnrichedFlow').json as { fields: { name: string }[] }).fields.map((f) => f.name);
  const missing = fields.filter((name) => !doc.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
  const fieldTables = doc.slice(0, doc.indexOf('## JSON shapes'));
  const documented = [...fieldTables.matchAll(/^\| `([a-z_]+)`/gm)].map((m) => m[1]!);
  assert.deepEqual(documented.filter((name) => !fields.includes(name)), []);
});
