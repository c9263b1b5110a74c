/**
 * The byte writer against avsc: for every record a generated scenario yields
 * (pairs across Service DNAT, missing and external peers, loopback, IPv6),
 * the spliced bytes equal what the codec writes for the same record as an
 * object, whether the half's body was reused in flight or held while
 * waiting, and whether the peer's was held while waiting or kept as context.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestSchema, RecordCodec, type FlowHalf } from '@flowmesh/lib';
import avro from 'avsc';
import type { Emission } from '../src/emission.js';
import { JoinCore } from '../src/join-core.js';
import { joinProjection, type JoinRecord } from '../src/join-half.js';
import { DEFAULT_JOIN_SETTINGS } from '../src/join-settings.js';
import { JoinedFlowWriter, planFor } from '../src/joined-flow-writer.js';
import { heldBytes, hold, type PendingHalf } from '../src/pending-half.js';
import { generateScenario, TEST_CLUSTER_CIDRS, TEST_SERVICE_CIDRS } from './support/flow-scenario.js';

const halfCodec = RecordCodec.local('FlowHalf');
const joinedCodec = RecordCodec.local('JoinedFlow');
const projection = joinProjection(halfCodec);

/** A half as the joiner's consumer loop hands it over: projected, its body a view into the message. */
function received(half: FlowHalf, offset: number): JoinRecord {
  return { partition: 0, offset: String(offset), key: null, ...projection.decode(halfCodec.encode(half)) };
}

function joinAll(): { emissions: Emission[]; core: JoinCore } {
  const scenario = generateScenario({
    seed: 99,
    connections: 300,
    spanWindows: 12,
    skewWindows: 1,
    graceMs: 10_000,
    lateProbability: 0.02,
    silentAgentProbability: 0.1,
    dropProbability: 0.02,
  });
  const records = scenario.halves.map(({ half }, i) => received(half, i));
  const core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, clusterCidrs: TEST_CLUSTER_CIDRS, serviceCidrs: TEST_SERVICE_CIDRS, maxPending: 1_000_000 });
  return { emissions: [...core.accept(records, scenario.halves.at(-1)!.half.window_end), ...core.drain()], core };
}

test("spliced JoinedFlow bytes equal avsc's", () => {
  const writer = new JoinedFlowWriter(joinedCodec);
  const { emissions, core } = joinAll();
  // Own body: a view (left on arrival) or held (left after waiting).
  const seen = new Set(emissions.map((e) => `${e.match}:${typeof e.body}:${e.dialledService ? 'svc' : ''}`));
  // Every path was taken: each match kind, bodies in flight and held, Service pairs, borrowed context.
  for (const kind of ['MATCHED:object:svc', 'MATCHED:string:svc', 'MATCHED:object:', 'PEER_MISSING:string:', 'EXTERNAL:object:']) assert.ok(seen.has(kind), `no ${kind} in ${[...seen]}`);
  assert.ok(core.stats.borrowed > 0, 'no borrowed context');
  for (const emission of emissions) {
    const bytes = writer.encode(emission);
    assert.deepEqual(bytes, joinedCodec.encode(emission.record), `${emission.match} ${emission.record.half.client_ip}:${emission.record.half.client_port}`);
  }
});

test('the two records of a pair share their ends, in whatever order they are written again (a retried send)', () => {
  const writer = new JoinedFlowWriter(joinedCodec);
  const { emissions } = joinAll();
  const pairs = emissions.flatMap((e, i) => (e.peer !== null && emissions[i + 1]?.entry === e.peer && emissions[i + 1]?.peer === e.entry ? [[e, emissions[i + 1]!] as const] : []));
  assert.ok(pairs.length > 100, `only ${pairs.length} pairs`);
  // Halves of different body sizes, so that copying ends from the wrong offset would show.
  assert.ok(pairs.some(([a, b]) => joinedCodec.encode(a.record).length !== joinedCodec.encode(b.record).length));
  for (const [a, b] of pairs) {
    for (const emission of [a, b, a, b, b, a, a]) assert.deepEqual(writer.encode(emission), joinedCodec.encode(emission.record));
  }
});

test('a record that fails to be written leaves nothing behind for the next one to reuse', () => {
  const writer = new JoinedFlowWriter(joinedCodec);
  const { emissions } = joinAll();
  const pairs = emissions.flatMap((e, i) => (e.peer !== null && emissions[i + 1]?.entry === e.peer && emissions[i + 1]?.peer === e.entry ? [[e, emissions[i + 1]!] as const] : []));
  const size = (e: Emission) => joinedCodec.encode(e.record).length;
  // Two pairs whose first records differ in size, so that ends taken from the wrong one would show.
  const [a1] = pairs[0]!;
  const [b1, b2] = pairs.find(([x]) => size(x) !== size(a1))!;
  writer.encode(a1);
  // The size check of the framing fails after the body was written (as a writer bug would).
  const codec = (writer as unknown as { codec: RecordCodec<'JoinedFlow'> }).codec;
  const encodeSized = codec.encodeSized.bind(codec);
  codec.encodeSized = (size, writeBody) => {
    codec.encodeSized = encodeSized;
    encodeSized(size, writeBody);
    throw new Error('wrote the wrong size');
  };
  assert.throws(() => writer.encode(b1), /wrong size/);
  assert.deepEqual(writer.encode(b2), joinedCodec.encode(b2.record));
  assert.deepEqual(writer.encode(b1), joinedCodec.encode(b1.record));
});

test('a record larger than the scratch buffer is written whole', () => {
  const writer = new JoinedFlowWriter(joinedCodec);
  const [first] = joinAll().emissions;
  const huge: FlowHalf = { ...first!.record.half, vantage: 'SRC', server_ip: '203.0.113.9', cmdline: 'x'.repeat(40_000) };
  const core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, clusterCidrs: TEST_CLUSTER_CIDRS, serviceCidrs: TEST_SERVICE_CIDRS });
  const [emission] = core.accept([received(huge, 0)], Date.now());
  assert.equal(emission!.match, 'EXTERNAL');
  const bytes = writer.encode(emission!);
  assert.equal(joinedCodec.decode(bytes).half.cmdline.length, 40_000);
  assert.deepEqual(bytes, joinedCodec.encode(emission!.record));
});

test('the writer splices with the current schemas, and says why it would not', () => {
  assert.equal(new JoinedFlowWriter(joinedCodec).fallbackReason, null);
  const fake = { type: { fields: [{ name: 'half' }, { name: 'other' }] } } as unknown as RecordCodec<'JoinedFlow'>;
  assert.match(new JoinedFlowWriter(fake).fallbackReason ?? '', /JoinedFlow fields are half,other/);
  // A FlowHalf without a field the plan copies: a reason, not a crash at start.
  const flowHalf = latestSchema('FlowHalf').type.schema() as { fields: { name: string }[] };
  const withoutPort = avro.Type.forSchema({ ...flowHalf, fields: flowHalf.fields.filter((f) => f.name !== 'client_port') } as avro.Schema);
  const joined = latestSchema('JoinedFlow').type.schema() as { fields: { name: string; type: unknown }[] };
  const joinedType = avro.Type.forSchema({ ...joined, fields: joined.fields.map((f) => (f.name === 'half' ? { ...f, type: withoutPort.schema() } : f)) } as avro.Schema);
  assert.match(String(planFor(joinedType, withoutPort)), /^no field client_port in node,vantage,protocol,client_ip,server_ip/);
});

test('a waiting half gives back its exact key and body bytes, whatever they are', () => {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const entry = { key: every.subarray(0, 200), body: every.subarray(50) } as unknown as PendingHalf;
  hold(entry);
  assert.equal(typeof entry.key, 'string');
  assert.deepEqual(heldBytes(entry.key!), every.subarray(0, 200));
  assert.deepEqual(heldBytes(entry.body!), every.subarray(50));
});
