import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestSchema, RecordCodec } from '@flowmesh/lib';
import avro from 'avsc';
import { RecordLayout } from '../src/avro-layout.js';
import { generateScenario } from './support/flow-scenario.js';

test('field offsets in FlowHalf bodies agree with avsc, field by field', () => {
  const type = latestSchema('FlowHalf').type as avro.types.RecordType;
  const layout = RecordLayout.of(type)!;
  const offsets = layout.offsets();
  const halves = generateScenario({ seed: 5, connections: 60, spanWindows: 4, skewWindows: 1, graceMs: 10_000, lateProbability: 0, silentAgentProbability: 0, dropProbability: 0 }).halves;
  for (const { half } of halves) {
    for (const variant of [half, { ...half, container_id: null, srtt_us: null, cmdline: 'ü'.repeat(90), bytes_sent: 2 ** 50 }]) {
      const body = type.toBuffer(variant);
      assert.ok(layout.locate(body, 0, offsets));
      let expected = 0;
      type.fields.forEach((field, i) => {
        assert.equal(offsets[i], expected, `${field.name} starts at ${expected}`);
        expected += field.type.toBuffer((variant as unknown as Record<string, unknown>)[field.name]).length;
      });
      assert.equal(offsets[type.fields.length], body.length);
    }
  }
});

test('a truncated body is not located; a body behind a header is', () => {
  const codec = RecordCodec.local('FlowHalf');
  const layout = RecordLayout.of(codec.type)!;
  const offsets = layout.offsets();
  const half = generateScenario({ seed: 1, connections: 1, spanWindows: 1, skewWindows: 0, graceMs: 0, lateProbability: 0, silentAgentProbability: 0, dropProbability: 0 }).halves[0]!.half;
  const body = codec.type.toBuffer(half);
  for (let cut = 0; cut < body.length; cut++) assert.equal(layout.locate(body.subarray(0, cut), 0, offsets), false, `cut at ${cut}`);
  const framed = codec.encode(half);
  assert.ok(layout.locate(framed, framed.length - body.length, offsets));
  assert.equal(offsets.at(-1), framed.length);
});

test('types it does not step over give no layout', () => {
  assert.equal(RecordLayout.of(avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: 'int' } }] })), null);
  assert.equal(RecordLayout.of(avro.Type.forSchema('string')), null);
  assert.throws(() => RecordLayout.of(latestSchema('FlowHalf').type)!.field('nope'), /no field nope/);
});
