import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestSchema } from '@flowmesh/lib';
import type avro from 'avsc';
import { JOIN_FIELDS } from '../src/join-half.js';

test('the join projection reads every enum field (avsc skips an enum without checking its index)', () => {
  // The projection skips the fields it does not read; a skipped enum would let a body with an
  // out-of-range symbol through to the output, where a full decode rejects it.
  const fields = (latestSchema('FlowHalf').type as avro.types.RecordType).fields;
  const enums = fields.filter((f) => f.type.typeName === 'enum').map((f) => f.name);
  assert.ok(enums.length > 0);
  assert.deepEqual(enums.filter((name) => !(JOIN_FIELDS as readonly string[]).includes(name)), []);
});
