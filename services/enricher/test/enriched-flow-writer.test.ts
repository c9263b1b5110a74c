import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_HALF_FACTS, RecordCodec, schemaVersions, type Enrichment, type FlowHalf, type JoinedFlow, type ObjectType } from '@flowmesh/lib';
import type { ObjectDetails } from '../src/enrich/describe.js';
import { joinedFactsProjection } from '../src/enrich/joined-facts.js';
import { toEnrichedFlow, type FlowContext } from '../src/enrich/to-enriched-flow.js';
import { NO_GEO, type GeoInfo } from '../src/geo/geoip.js';
import { EnrichedFlowWriter, planFor } from '../src/output/avro/enriched-flow-writer.js';

const joinedCodec = RecordCodec.local('JoinedFlow');
const enrichedCodec = RecordCodec.local('EnrichedFlow');

/** A small deterministic generator, so a failure names a record that can be made again. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(values: readonly T[]): T => values[int(values.length)]!;
  const TEXT = ['', 'a', 'node-7', '10.244.3.17', 'ü', 'zone-日本', '🚀 rocket', 'x'.repeat(200), 'é'.repeat(3000), 'tab\there', 'quote"\\'];
  const text = () => (next() < 0.1 ? Array.from({ length: 1 + int(40) }, () => String.fromCodePoint(int(0x2fff) + 32)).join('') : pick(TEXT));
  const nullable = <T,>(make: () => T): T | null => (next() < 0.3 ? null : make());
  const INTS = [0, 1, -1, 63, 64, -65, 8191, 65535, 2 ** 31 - 1, -(2 ** 31)];
  const LONGS = [0, 1, -1, 1_763_700_000_000, 2 ** 31, 2 ** 32 + 7, -(2 ** 40), 2 ** 53 - 2, -(2 ** 53 - 2), 1_073_741_823, 1_073_741_824];
  const anInt = () => (next() < 0.5 ? pick(INTS) : int(2 ** 31) * (next() < 0.2 ? -1 : 1));
  const aLong = () => (next() < 0.5 ? pick(LONGS) : int(2 ** 53 - 2) * (next() < 0.2 ? -1 : 1));
  return { next, int, pick, text, nullable, anInt, aLong };
}

type Gen = ReturnType<typeof generator>;

function joinedFlow(g: Gen, i: number): JoinedFlow {
  const endpoint = () => ({
    ip: g.text(), port: g.anInt(), node: g.nullable(g.text), pid: g.nullable(g.anInt),
    process_name: g.nullable(g.text), cmdline: g.nullable(g.text), container_id: g.nullable(g.text),
  });
  return {
    half: {
      node: g.text(), vantage: i % 2 ? 'SRC' : 'DST', protocol: g.anInt(), client_ip: g.text(), client_port: g.anInt(), server_ip: g.text(), server_port: g.anInt(),
      window_start: g.aLong(), window_end: g.aLong(), bytes_sent: g.aLong(), bytes_received: g.aLong(), packets_sent: g.aLong(), packets_received: g.aLong(),
      srtt_us: g.nullable(g.anInt), retransmits: g.nullable(g.anInt), opened: (i & 1) === 1, closed: (i & 2) === 2,
      pid: g.anInt(), process_name: g.text(), cmdline: g.text(), container_id: g.nullable(g.text), synthetic: (i & 4) === 4,
      // Half the halves carry no facts (the writer's constant run), the rest random ones.
      ...(i & 8 ? NO_HALF_FACTS : halfFacts(g)),
    },
    match: (['MATCHED', 'PEER_MISSING', 'EXTERNAL'] as const)[i % 3]!,
    src: endpoint(),
    dst: endpoint(),
    service_ip: g.nullable(g.text),
    service_port: g.nullable(g.anInt),
  };
}

function halfFacts(g: Gen): Pick<FlowHalf, keyof typeof NO_HALF_FACTS> {
  return {
    connection_outcome: g.nullable(() => g.pick(['ESTABLISHED', 'REFUSED', 'TIMEOUT', 'RESET'] as const)),
    reset_by: g.nullable(() => g.pick(['CLIENT', 'SERVER'] as const)),
    drops: Array.from({ length: g.pick([0, 1, 3]) }, () => ({ reason: g.pick(['NETFILTER_DROP', 'NO_SOCKET', 'TCP_CSUM']), packets: g.int(1e9), bytes: g.int(1e12) })),
    tls_server_name: g.nullable(g.text),
    dns: g.nullable(() => ({
      query_name: g.text(), query_type: g.anInt(), response_code: g.nullable(g.anInt), latency_us: g.nullable(() => g.int(1e9)),
      answers: Array.from({ length: g.int(3) }, g.text), answer_ttl_s: g.nullable(g.anInt),
    })),
  };
}

function labels(g: Gen): Record<string, string> {
  const size = g.pick([0, 0, 1, 2, 5, 40, 1500]);
  const out: Record<string, string> = {};
  // Integer-like keys come first in an object's key order, whatever the insertion order: both writers must agree.
  const value = size > 100 ? () => g.pick(['', 'v', 'ü-wert', String(g.int(99))]) : g.text;
  for (let k = 0; k < size; k++) out[g.next() < 0.1 ? String(g.int(1000)) : `${size > 100 ? 'k' : g.text()}/${k}`] = value();
  return out;
}

const OBJECT_TYPES: readonly ObjectType[] = ['pod', 'service', 'node', 'external', 'unknown'];

function details(g: Gen, i: number): ObjectDetails {
  return {
    object_type: OBJECT_TYPES[i % OBJECT_TYPES.length]!,
    object_name: g.nullable(g.text), object_namespace: g.nullable(g.text), node: g.nullable(g.text), container_name: g.nullable(g.text),
    workload_name: g.nullable(g.text), workload_namespace: g.nullable(g.text), workload_kind: g.nullable(g.text),
    labels: labels(g), services: [],
  };
}

function geo(g: Gen): GeoInfo {
  if (g.next() < 0.4) return NO_GEO;
  const coordinate = () => g.pick([0, -0, 52.3676, -33.8688, 180, -180, 1e-300, 4.9406564584124654e-324, g.next() * 360 - 180]);
  return {
    geo_country: g.nullable(g.text), geo_city: g.nullable(g.text), asn: g.nullable(() => g.pick([0, 64500, 4_294_967_295, g.aLong()])),
    asn_org: g.nullable(g.text), geo_latitude: g.nullable(coordinate), geo_longitude: g.nullable(coordinate),
  };
}

const ENRICHMENTS: readonly Enrichment[] = ['OK', 'PARTIAL', 'STALE'];

/** Contexts share details objects, as flows of one pod do: a run encoded for one record is reused by the next. */
function context(g: Gen, i: number, pool: readonly ObjectDetails[]): FlowContext {
  return {
    src: { details: g.pick(pool), geo: geo(g) },
    dst: { details: g.pick(pool), geo: geo(g) },
    srcZone: g.nullable(g.text),
    dstZone: g.nullable(g.text),
    service: g.next() < 0.4 ? null : { name: g.text(), namespace: g.text() },
    clusterId: g.pick(['default', '', 'prod-eu-1', 'クラスター']),
    enrichment: ENRICHMENTS[i % ENRICHMENTS.length]!,
    dstDnsName: g.nullable(g.text),
  };
}

test('the writer splices EnrichedFlow records byte-identical to avsc over a large generated corpus', () => {
  const writer = new EnrichedFlowWriter(enrichedCodec);
  assert.equal(writer.fallbackReason, null);
  const g = generator(19);
  const pool = Array.from({ length: 60 }, (_, i) => details(g, i));
  const seen = new Set<string>();
  const count = 10_000;
  for (let i = 0; i < count; i++) {
    const joined = joinedFlow(g, i);
    const ctx = context(g, i, pool);
    const expected = enrichedCodec.encode(toEnrichedFlow(joined, ctx));
    const actual = writer.write(joinedCodec.type.toBuffer(joined), ctx);
    if (!actual.equals(expected)) assert.fail(`record ${i} differs: ${JSON.stringify({ joined, ctx }).slice(0, 2000)}`);
    const flow = enrichedCodec.decode(actual) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(flow)) seen.add(`${field}:${value === null ? 'null' : 'value'}`);
  }
  // Every nullable field was written both ways.
  const flow = toEnrichedFlow(joinedFlow(g, 0), context(g, 0, pool)) as unknown as Record<string, unknown>;
  const nullable = enrichedCodec.type.schema() as { fields: { name: string; type: unknown }[] };
  for (const field of nullable.fields.filter((f) => Array.isArray(f.type))) {
    assert.ok(seen.has(`${field.name}:null`) && seen.has(`${field.name}:value`), `${field.name} written as null and as a value`);
  }
  assert.ok(Object.keys(flow).length > 60);
});

test('the writer reads the projected bodies the service hands it, and writes what avsc writes from the whole record', () => {
  const writer = new EnrichedFlowWriter(enrichedCodec);
  const projection = joinedFactsProjection(joinedCodec);
  const g = generator(7);
  const pool = Array.from({ length: 5 }, (_, i) => details(g, i));
  for (let i = 0; i < 500; i++) {
    const joined = joinedFlow(g, i);
    const message = joinedCodec.encode(joined);
    const { value, body } = projection.decode(message);
    // As the whole-record decoder reads them (avsc reads longs near -2^53 imprecisely, both ways alike).
    const whole = joinedCodec.decode(message);
    assert.deepEqual(JSON.parse(JSON.stringify(value)), {
      half: { window_start: whole.half.window_start, window_end: whole.half.window_end },
      src: { ip: whole.src.ip, node: whole.src.node, container_id: whole.src.container_id },
      dst: { ip: whole.dst.ip, node: whole.dst.node, container_id: whole.dst.container_id },
      service_ip: whole.service_ip,
    });
    const ctx = context(g, i, pool);
    assert.ok(writer.write(body, ctx).equals(enrichedCodec.encode(toEnrichedFlow(joined, ctx))), `record ${i}`);
  }
});

test('what avsc refuses to encode, the writer refuses too (it goes to the dead-letter topic)', () => {
  const writer = new EnrichedFlowWriter(enrichedCodec);
  const g = generator(3);
  const joined = joinedFlow(g, 0);
  const body = joinedCodec.type.toBuffer(joined);
  const good = context(g, 0, [details(g, 0)]);
  const badAsn: FlowContext = { ...good, dst: { details: good.dst.details, geo: { ...NO_GEO, asn: 1.5 } } };
  const badLabel: FlowContext = { ...good, src: { details: { ...good.src.details, labels: { app: 7 as unknown as string } }, geo: NO_GEO } };
  for (const ctx of [badAsn, badLabel]) {
    assert.throws(() => enrichedCodec.encode(toEnrichedFlow(joined, ctx)));
    assert.throws(() => writer.write(body, ctx));
  }
  // A body that is not a JoinedFlow is refused too, and nothing of it is cached for the next record.
  assert.throws(() => writer.write(body.subarray(0, body.length - 3), good));
  assert.ok(writer.write(body, good).equals(enrichedCodec.encode(toEnrichedFlow(joined, good))));
});

test('a schema the plan does not know is named, so the service falls back to avsc', () => {
  const joinedType = joinedCodec.type;
  const v1 = schemaVersions('EnrichedFlow').find((version) => version.version === 1)!;
  assert.match(planFor(v1.type, joinedType) as string, /EnrichedFlow fields/);
  assert.equal(typeof planFor(enrichedCodec.type, joinedType), 'object');
});
