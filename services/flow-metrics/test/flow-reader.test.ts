/**
 * The byte reader (FlowReader) against avsc: the same numbers and the same
 * labels for the golden fixtures, for records written with every schema
 * version, and for every null and default; a store fed its readings holds
 * exactly what one fed decoded records holds; broken bodies are refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DecodeError, RecordCodec, schemaVersions, schemasDir, type EnrichedFlow } from '@flowmesh/lib';
import { sampleEnriched, zigzagVarint } from '@flowmesh/lib/testing';
import { FlowReader, isFlowReading, type FlowReading } from '../src/flow-reader.js';
import { metricsProjection, type MetricsFlow } from '../src/metrics-flow.js';
import { DEFAULT_PORT_CLASSES, EXTERNAL_GROUPINGS, LABEL_GRANULARITIES } from '../src/options.js';
import { PairLabeller, type PairLabellerSettings } from '../src/pair-labels.js';
import { TrafficStore } from '../src/traffic-store.js';

const codec = RecordCodec.local('EnrichedFlow');
const projection = metricsProjection(codec);
const SETTINGS: PairLabellerSettings[] = LABEL_GRANULARITIES.flatMap((granularity) =>
  EXTERNAL_GROUPINGS.map((externalGrouping) => ({ granularity, externalGrouping, portClasses: DEFAULT_PORT_CLASSES })),
);
const NUMBERS = ['vantage', 'match', 'synthetic', 'out_bytes', 'in_bytes', 'out_pkts', 'in_pkts', 'latency_ms', 'retransmits', 'opened', 'closed'] as const;

const external = (side: 'src' | 'dst', i: number): Partial<EnrichedFlow> => ({
  [`${side}_object_type`]: 'external',
  [`${side}_object_name`]: null,
  [`${side}_workload_name`]: null,
  [`${side}_geo_country`]: i % 5 ? 'NL' : null,
  [`${side}_geo_city`]: i % 3 ? 'Amsterdam' : null,
  [`${side}_asn`]: i % 4 ? 64_500 + (i % 3) : null,
  [`${side}_asn_org`]: 'Example Transit',
  [`${side}_geo_latitude`]: i % 2 ? 52.3676 : null,
  [`${side}_geo_longitude`]: i % 2 ? 4.9041 : null,
});

/** Records over every branch the labels and counters read: end kinds, nulls, ports, zones, big counters. */
function variedFlows(): EnrichedFlow[] {
  const kinds = ['pod', 'service', 'node', 'external', 'unknown'] as const;
  return Array.from({ length: 400 }, (_, i) => {
    const endOf = (side: 'src' | 'dst', kind: (typeof kinds)[number]): Partial<EnrichedFlow> =>
      kind === 'external'
        ? external(side, i)
        : {
            [`${side}_object_type`]: kind,
            [`${side}_object_name`]: i % 6 ? `${side}-pod-${i % 7}` : null,
            [`${side}_workload_name`]: i % 4 ? `${side}-app-${i % 3}` : null,
            [`${side}_workload_namespace`]: i % 5 ? `ns-${i % 2}` : null,
            [`${side}_workload_kind`]: i % 9 ? 'Deployment' : null,
            [`${side}_object_namespace`]: i % 8 ? 'default' : null,
            [`${side}_node`]: i % 10 ? `node-${i % 2}` : null,
          };
    return sampleEnriched({
      vantage: i % 2 ? 'SRC' : 'DST',
      match: (['MATCHED', 'PEER_MISSING', 'EXTERNAL'] as const)[i % 3],
      protocol: i % 7 ? 6 : 17,
      dst_port: [80, 8080, 31_337, 443, 5000][i % 5],
      out_bytes: i % 11 ? i * 1000 : 2 ** 50 + i,
      in_bytes: i * 7,
      out_pkts: i,
      in_pkts: 2 ** 33 + i,
      latency_ms: i % 3 ? i / 7 : null,
      retransmits: i % 4 ? i % 13 : null,
      opened: i % 2 === 0,
      closed: i % 3 === 0,
      synthetic: i % 17 === 0,
      service_addr: i % 3 ? '10.96.0.20' : null,
      service_name: i % 5 ? `svc-${i % 2}` : null,
      src_zone: i % 4 ? `zone-${i % 2}` : null,
      dst_zone: i % 6 ? 'zone-1' : null,
      src_labels: i % 2 ? { app: `a${i}`, tier: 'x'.repeat(i % 50) } : {},
      dst_labels: Object.fromEntries(Array.from({ length: i % 4 }, (_, k) => [`k${k}`, `v${k}`])),
      ...endOf('src', kinds[i % 5]!),
      ...endOf('dst', kinds[Math.floor(i / 5) % 5]!),
    });
  });
}

/** A message as a writer of schema `version` frames it. */
function writtenWith(version: number, flow: EnrichedFlow): Buffer {
  const schema = schemaVersions('EnrichedFlow').find((v) => v.version === version)!;
  return Buffer.concat([Buffer.from([0xc3, 0x01]), schema.fingerprint, schema.type.toBuffer(flow)]);
}

function reading(reader: FlowReader, message: Buffer): FlowReading {
  const read = reader.read(message);
  assert.ok(isFlowReading(read), 'the byte reader covers every schema version');
  return read;
}

/** The byte reader's values and labels agree with avsc's decode of the same message. */
function assertSameAsAvsc(message: Buffer, what: string): void {
  const decoded = codec.decode(message);
  const projected: MetricsFlow = projection.decode(message).value;
  for (const settings of SETTINGS) {
    const read = reading(new FlowReader(codec, settings), message);
    for (const name of NUMBERS) assert.equal(read[name], decoded[name], `${what}: ${name}`);
    assert.equal(read.external, decoded.src_object_type === 'external' || decoded.dst_object_type === 'external', `${what}: external`);
    const labeller = new PairLabeller(settings);
    assert.deepEqual(labeller.values(read.reader.decode(read.message)), labeller.values(decoded), `${what}: labels (${settings.granularity}/${settings.externalGrouping})`);
    assert.deepEqual({ ...read.reader.decode(read.message) }, { ...projected });
  }
}

describe('FlowReader', () => {
  for (const version of schemaVersions('EnrichedFlow')) {
    it(`reads the golden v${version.version} fixture as avsc decodes it (defaults for fields it did not have)`, () => {
      const base = `${schemasDir()}/fixtures/EnrichedFlow.v${version.version}`;
      const bytes = readFileSync(`${base}.bin`);
      const golden = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Record<string, unknown>;
      assertSameAsAvsc(bytes, `fixture v${version.version}`);
      const read = reading(new FlowReader(codec, SETTINGS[1]!), bytes);
      for (const name of NUMBERS) if (name in golden) assert.equal(read[name], golden[name], `golden ${name}`);
    });

    it(`reads records written with v${version.version}: every null, default and branch as avsc does`, () => {
      for (const [i, flow] of variedFlows().entries()) assertSameAsAvsc(writtenWith(version.version, flow), `v${version.version} record ${i}`);
    });
  }

  it('one key means one label set, for every granularity and external grouping, across schema versions', () => {
    const flows = variedFlows();
    for (const settings of SETTINGS) {
      const reader = new FlowReader(codec, settings);
      const labeller = new PairLabeller(settings);
      const labelsByKey = new Map<string, string>();
      for (const version of schemaVersions('EnrichedFlow')) {
        for (const flow of flows) {
          const read = reading(reader, writtenWith(version.version, flow));
          const labels = JSON.stringify(labeller.values(codec.decode(writtenWith(version.version, flow))));
          const known = labelsByKey.get(read.pairKey);
          if (known !== undefined) assert.equal(labels, known, `key of ${settings.granularity}/${settings.externalGrouping}`);
          labelsByKey.set(read.pairKey, labels);
        }
      }
    }
  });

  it('records of one pair that differ in what no label reads share a key: addresses, ports outside the classes, counters, processes, pod labels', () => {
    const reader = new FlowReader(codec, SETTINGS.find((s) => s.granularity === 'workload' && s.externalGrouping === 'asn')!);
    const base = sampleEnriched();
    const keys = new Set(
      [
        base,
        { ...base, src_addr: '10.244.9.9', src_port: 50_123, dst_addr: '10.244.7.7', service_addr: '10.96.3.3', timestamp: 1, window_end: 2 },
        { ...base, dst_port: 31_337 },
        { ...base, dst_port: 31_338 },
        { ...base, out_bytes: 1, in_bytes: 2, out_pkts: 3, in_pkts: 4, latency_ms: null, retransmits: 9, opened: false, closed: true, vantage: 'DST' as const },
        { ...base, src_process_name: 'wget', src_process_pid: 1, src_container_id: 'c1', src_labels: { pod: 'x' }, dst_labels: {} },
        { ...base, src_object_name: 'client-other-pod', dst_object_name: 'web-other-pod' },
      ].map((flow) => reading(reader, codec.encode(flow)).pairKey),
    );
    // The ports 31337 and 31338 are both "other", as base's 8080 is not: two keys in all.
    assert.equal(keys.size, 2);
  });

  it('a store fed readings holds what a store fed decoded records holds: pairs, counters, overflow, external peers', () => {
    const flows = variedFlows();
    for (const settings of SETTINGS) {
      for (const maxPairs of [1000, 6]) {
        const reader = new FlowReader(codec, settings);
        const overflow = { decoded: 0, read: 0 };
        const fromDecoded = new TrafficStore(new PairLabeller(settings), maxPairs, { overflowed: () => overflow.decoded++ });
        const fromBytes = new TrafficStore(new PairLabeller(settings), maxPairs, { overflowed: () => overflow.read++ });
        for (const [i, flow] of flows.entries()) {
          const message = i % 2 ? codec.encode(flow) : writtenWith(1, flow);
          fromDecoded.add(projection.decode(message).value, 1000 + i);
          fromBytes.addReading(reading(reader, message), 1000 + i);
        }
        const snapshot = (store: TrafficStore) => ({
          pairs: [...store.allPairs()].map((pair) => ({ ...pair, latencyBuckets: [...pair.latencyBuckets] })).sort((a, b) => a.labels.join().localeCompare(b.labels.join())),
          peers: [...store.allPeers()].sort((a, b) => a.name.localeCompare(b.name)),
        });
        assert.deepEqual(snapshot(fromBytes), snapshot(fromDecoded), `${settings.granularity}/${settings.externalGrouping}, cap ${maxPairs}`);
        assert.equal(overflow.read, overflow.decoded);
        if (maxPairs === 6) assert.ok(overflow.read > 0, 'the small cap overflows');
        // After expiry frees room, a key that had folded into "other" gets its own pair again.
        fromDecoded.expire(1000 + flows.length - 50);
        fromBytes.expire(1000 + flows.length - 50);
        for (const [i, flow] of flows.slice(0, 100).entries()) {
          const message = codec.encode(flow);
          fromDecoded.add(projection.decode(message).value, 5000 + i);
          fromBytes.addReading(reading(reader, message), 5000 + i);
        }
        assert.deepEqual(snapshot(fromBytes), snapshot(fromDecoded), `after expiry: ${settings.granularity}/${settings.externalGrouping}, cap ${maxPairs}`);
      }
    }
  });

  it('refuses what avsc refuses: a cut body, bytes after it, a symbol out of range, a counter past 2^53', () => {
    const reader = new FlowReader(codec, SETTINGS[1]!);
    const refused = (bytes: Buffer, failure: string) => {
      assert.throws(() => reader.read(bytes), (error: unknown) => error instanceof DecodeError && error.reason === failure, failure);
      assert.throws(() => codec.decode(bytes), DecodeError);
    };
    const message = codec.encode(sampleEnriched());
    for (let cut = 10; cut < message.length; cut += 7) refused(message.subarray(0, cut), 'malformed-body');
    refused(Buffer.concat([message, Buffer.from([0])]), 'trailing-bytes');
    // With both timestamps 0 (a byte each), the vantage is the body's third byte: index 4 of 2 symbols.
    const badVantage = codec.encode(sampleEnriched({ timestamp: 0, window_end: 0 }));
    badVantage[10 + 2] = 0x08;
    refused(badVantage, 'malformed-body');
    // out_bytes as 2^54, which avsc will not write: its varint spliced in for a marker value's.
    const marker = 2 ** 40 + 12_345;
    const written = codec.encode(sampleEnriched({ out_bytes: marker }));
    const at = written.indexOf(zigzagVarint(marker));
    assert.ok(at > 10);
    refused(Buffer.concat([written.subarray(0, at), zigzagVarint(2n ** 54n), written.subarray(at + zigzagVarint(marker).length)]), 'malformed-body');
  });
});
