import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestSchema, RecordCodec, RecordLayout, readInt } from '@flowmesh/lib';
import { sampleEnriched, sampleHalf } from '@flowmesh/lib/testing';
import avro from 'avsc';

/** Halves with every union branch and a spread of numbers and text. */
function halves(): ReturnType<typeof sampleHalf>[] {
  return Array.from({ length: 200 }, (_, i) =>
    sampleHalf({
      vantage: i % 2 ? 'SRC' : 'DST',
      client_port: i * 311,
      srtt_us: i % 3 ? i * 97 : null,
      retransmits: i % 5 ? i : null,
      container_id: i % 4 ? `c${i}` : null,
      bytes_sent: i * 2 ** 40 + i,
      cmdline: 'x'.repeat(i),
    }),
  );
}

test('field offsets in FlowHalf bodies agree with avsc, field by field', () => {
  const type = latestSchema('FlowHalf').type as avro.types.RecordType;
  const layout = RecordLayout.of(type)!;
  for (const half of halves()) {
    for (const variant of [half, { ...half, container_id: null, srtt_us: null, cmdline: 'ü'.repeat(90), bytes_sent: 2 ** 50 }]) {
      assertOffsetsAgree(layout, type, variant);
    }
  }
});

/** The layout finds each field of `value`'s body where avsc's encoding of the fields before it ends. */
function assertOffsetsAgree(layout: RecordLayout, type: avro.types.RecordType, value: object): Buffer {
  const offsets = layout.offsets();
  const body = type.toBuffer(value);
  assert.ok(layout.locate(body, 0, offsets));
  let expected = 0;
  type.fields.forEach((field, i) => {
    assert.equal(offsets[i], expected, `${field.name} starts at ${expected}`);
    expected += field.type.toBuffer((value as Record<string, unknown>)[field.name]).length;
  });
  assert.equal(offsets[type.fields.length], body.length);
  return body;
}

test('with collections, field offsets in EnrichedFlow bodies (maps included) agree with avsc; without, no layout', () => {
  const type = latestSchema('EnrichedFlow').type as avro.types.RecordType;
  assert.equal(RecordLayout.of(type, { collections: false }), null, 'a caller that refuses collections gets no layout');
  const layout = RecordLayout.of(type, { collections: true })!;
  const offsets = layout.offsets();
  for (let i = 0; i < 60; i++) {
    const flow = sampleEnriched({
      src_labels: Object.fromEntries(Array.from({ length: i % 5 }, (_, k) => [`key-${k}`, 'v'.repeat(i * k)])),
      dst_labels: i % 2 ? {} : { app: 'ü'.repeat(i) },
      latency_ms: i % 3 ? i / 3 : null,
      src_geo_latitude: i % 4 ? -i : null,
      out_bytes: i * 2 ** 41,
      service_name: i % 2 ? null : 's'.repeat(200 + i),
    });
    const body = assertOffsetsAgree(layout, type, flow);
    for (let cut = 0; cut < body.length; cut += 5) assert.equal(layout.locate(body.subarray(0, cut), 0, offsets), false, `cut at ${cut}`);
  }
});

test('a truncated body is not located; a body behind a header is', () => {
  const codec = RecordCodec.local('FlowHalf');
  const layout = RecordLayout.of(codec.type)!;
  const offsets = layout.offsets();
  const half = sampleHalf();
  const body = codec.type.toBuffer(half);
  for (let cut = 0; cut < body.length; cut++) assert.equal(layout.locate(body.subarray(0, cut), 0, offsets), false, `cut at ${cut}`);
  const framed = codec.encode(half);
  assert.ok(layout.locate(framed, framed.length - body.length, offsets));
  assert.equal(offsets.at(-1), framed.length);
});

test('types it does not step over give no layout', () => {
  assert.equal(RecordLayout.of(avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: 'int' } }] }), { collections: false }), null);
  assert.equal(RecordLayout.of(avro.Type.forSchema('string')), null);
  assert.throws(() => RecordLayout.of(latestSchema('FlowHalf').type)!.field('nope'), /no field nope/);
});

test('readInt reads the ints a layout located, negative ones too', () => {
  const type = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'int'] }] }) as avro.types.RecordType;
  const layout = RecordLayout.of(type)!;
  const offsets = layout.offsets();
  for (const a of [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) {
    const body = type.toBuffer({ a, b: -a | 0 });
    assert.ok(layout.locate(body, 0, offsets));
    assert.equal(readInt(body, offsets[0]!), a);
    assert.equal(readInt(body, offsets[1]! + 1), -a | 0);
  }
});
