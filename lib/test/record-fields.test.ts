import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordFields, readInt, readLong } from '@flowmesh/lib';
import { zigzagVarint } from '@flowmesh/lib/testing';
import avro from 'avsc';

test('maps and arrays in blocks with a negative count (and their byte size) are stepped over as avsc reads them', () => {
  const type = avro.Type.forSchema({
    type: 'record',
    name: 'Blocks',
    fields: [
      { name: 'labels', type: { type: 'map', values: 'string' } },
      { name: 'ports', type: { type: 'array', items: 'int' } },
      { name: 'after', type: 'int' },
    ],
  }) as avro.types.RecordType;
  const zigzag = (n: number) => avro.Type.forSchema('long').toBuffer(n);
  const text = (s: string) => avro.Type.forSchema('string').toBuffer(s);
  const firstBlock = Buffer.concat([text('a'), text('x'), text('bb'), text('yy')]);
  const body = Buffer.concat([
    // labels: a block of -2 entries with its byte size, then a block of 1, then the end.
    zigzag(-2),
    zigzag(firstBlock.length),
    firstBlock,
    zigzag(1),
    text('c'),
    text('zzz'),
    zigzag(0),
    // ports: one block of 3, the end.
    zigzag(3),
    zigzag(80),
    zigzag(-443),
    zigzag(65_535),
    zigzag(0),
    zigzag(-12_345),
  ]);
  assert.deepEqual({ ...(type.fromBuffer(body) as object) }, { labels: { a: 'x', bb: 'yy', c: 'zzz' }, ports: [80, -443, 65_535], after: -12_345 });
  const fields = RecordFields.of(type, ['after', 'missing'])!;
  assert.equal(fields.locate(body, 0), body.length);
  assert.equal(readInt(body, fields.start(0)), -12_345);
  assert.equal(fields.start(1), -1, 'a field the writer does not have is absent');
  assert.equal(fields.locate(body.subarray(0, body.length - 2), 0), -1);
});

test('readLong reads longs exactly, negative and past 32 bits, up to 2^53', () => {
  // Encoded with BigInt (zigzagVarint): avsc's own writer loses the sign bit of negatives past 2^52.
  const long = avro.Type.forSchema('long');
  for (const value of [0, 1, -1, 63, -64, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, -(2 ** 50), 2 ** 52 + 3, -(2 ** 52) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    assert.equal(readLong(zigzagVarint(value), 0), value, String(value));
    if (Math.abs(value) < 2 ** 52) assert.deepEqual(zigzagVarint(value), long.toBuffer(value), `avsc writes ${value} the same`);
  }
});
