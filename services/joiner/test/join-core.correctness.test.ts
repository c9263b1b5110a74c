/**
 * The correctness suite: generated conversations, delivered in random
 * interleavings, through the join core; every output compared with the
 * independent reference (test/support/reference-join.ts). A failure names its
 * seed: rerun with JOIN_SEED=<seed> to reproduce it alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JoinedFlow } from '@flowmesh/lib';
import { JoinCore } from '../src/join-core.js';
import { DEFAULT_JOIN_SETTINGS, type JoinSettings } from '../src/join-settings.js';
import { deliveryScript, refId, type DeliveryScript } from './support/delivery-script.js';
import { generateScenario, TEST_CLUSTER_CIDRS, TEST_SERVICE_CIDRS, type Scenario, type ScenarioOptions } from './support/flow-scenario.js';
import { expectedRecord, onTimeOutcomes, referenceOutcomes } from './support/reference-join.js';

interface Variant {
  name: string;
  scenario: Omit<ScenarioOptions, 'seed'>;
  join: Partial<JoinSettings>;
  partitions: number;
}

const BASE_SCENARIO: Omit<ScenarioOptions, 'seed'> = {
  connections: 400,
  spanWindows: 30,
  skewWindows: 1,
  graceMs: 10_000,
  lateProbability: 0,
  silentAgentProbability: 0.08,
  dropProbability: 0.03,
};

function settings(overrides: Partial<JoinSettings>): JoinSettings {
  return {
    ...DEFAULT_JOIN_SETTINGS,
    clusterCidrs: TEST_CLUSTER_CIDRS,
    serviceCidrs: TEST_SERVICE_CIDRS,
    idleTimeoutMs: 10 * 60_000,
    maxPending: 1_000_000,
    ...overrides,
  };
}

function seeds(count: number, base: number): number[] {
  const only = process.env.JOIN_SEED;
  return only ? [Number(only)] : Array.from({ length: count }, (_, i) => base + i);
}

interface Run {
  outputs: Map<string, JoinedFlow[]>;
  core: JoinCore;
  maxPendingSeen: number;
}

function runCore(script: DeliveryScript, join: JoinSettings): Run {
  const core = new JoinCore(join);
  const outputs = new Map<string, JoinedFlow[]>();
  let maxPendingSeen = 0;
  for (const step of script.steps) {
    const emitted = step.kind === 'batch' ? core.accept(step.records, step.nowMs) : step.kind === 'tick' ? core.tick(step.nowMs) : core.drain();
    for (const { record, ref } of emitted) {
      const id = refId(ref.partition, ref.offset);
      outputs.set(id, [...(outputs.get(id) ?? []), record]);
    }
    maxPendingSeen = Math.max(maxPendingSeen, core.pending);
  }
  assert.equal(core.pending, 0, 'nothing may stay pending after the drain');
  return { outputs, core, maxPendingSeen };
}

function describeHalf(scenario: Scenario, script: DeliveryScript, id: string): string {
  const { source } = script.inputs.get(id)!;
  const h = source.half;
  return `seed ${scenario.options.seed}, input ${id}: ${source.connection.kind} connection ${source.connection.id}, ${h.vantage} ${h.client_ip}:${h.client_port} -> ${h.server_ip}:${h.server_port} window ${h.window_start}${source.late ? ' (late)' : ''}`;
}

/** Every input half exactly once, with the reference's match and the true ends' context. */
function assertMatchesReference(scenario: Scenario, script: DeliveryScript, run: Run, join: JoinSettings): void {
  const reference = referenceOutcomes(script, join);
  assert.equal(reference.size, script.inputs.size, 'the reference decides every input');
  for (const [id, { source }] of script.inputs) {
    const produced = run.outputs.get(id) ?? [];
    assert.equal(produced.length, 1, `${describeHalf(scenario, script, id)}: produced ${produced.length} records`);
    const expected = expectedRecord(source, reference.get(id)!.match);
    assert.deepEqual(produced[0], expected, describeHalf(scenario, script, id));
  }
  assert.equal(run.outputs.size, script.inputs.size, 'no output for anything that was not input');
}

function prepare(variant: Variant, seed: number) {
  const scenario = generateScenario({ ...variant.scenario, seed });
  const script = deliveryScript(scenario.halves, { seed, partitions: variant.partitions, tickMs: 1000, trailingMs: 2 * 60_000 });
  const join = settings({ skewWindows: variant.scenario.skewWindows, graceMs: variant.scenario.graceMs, ...variant.join });
  return { scenario, script, join };
}

const VARIANTS: Variant[] = [
  { name: 'on time, skew tolerance 1', scenario: BASE_SCENARIO, join: {}, partitions: 4 },
  { name: 'on time, no skew tolerance', scenario: { ...BASE_SCENARIO, skewWindows: 0 }, join: {}, partitions: 3 },
  { name: 'on time, skew tolerance 2, one partition', scenario: { ...BASE_SCENARIO, skewWindows: 2 }, join: {}, partitions: 1 },
  { name: 'late arrivals beyond grace', scenario: { ...BASE_SCENARIO, lateProbability: 0.12 }, join: {}, partitions: 4 },
  { name: 'late arrivals and idle partitions', scenario: { ...BASE_SCENARIO, lateProbability: 0.08, connections: 120, spanWindows: 60 }, join: { idleTimeoutMs: 15_000 }, partitions: 6 },
  { name: 'zero grace', scenario: { ...BASE_SCENARIO, graceMs: 0, lateProbability: 0.05 }, join: {}, partitions: 2 },
];

describe('join core against the reference', () => {
  VARIANTS.forEach((variant, index) => {
    test(variant.name, () => {
      for (const seed of seeds(12, 1000 * (index + 1))) {
        const { scenario, script, join } = prepare(variant, seed);
        const run = runCore(script, join);
        assertMatchesReference(scenario, script, run, join);
        if (variant.scenario.lateProbability === 0 && !variant.join.idleTimeoutMs) {
          // With nothing late, the windows alone decide: a check that does not simulate arrival at all.
          const byWindows = onTimeOutcomes(scenario.halves, join.skewWindows);
          for (const [id, { source }] of script.inputs) {
            assert.equal(run.outputs.get(id)![0]!.match, byWindows.get(source), describeHalf(scenario, script, id));
          }
        }
      }
    });
  });

  test('the generated data covers what it must', () => {
    const { scenario, script, join } = prepare(VARIANTS[3]!, 4242);
    const run = runCore(script, join);
    const kinds = new Set(scenario.connections.map((c) => c.kind));
    assert.deepEqual([...kinds].sort(), ['external-client', 'external-server', 'loopback', 'pod', 'service']);
    const records = [...run.outputs.values()].flat();
    const count = (predicate: (r: JoinedFlow) => boolean) => records.filter(predicate).length;
    assert.ok(count((r) => r.match === 'MATCHED' && r.service_ip !== null) > 50, 'Service-NAT pairs matched');
    assert.ok(count((r) => r.match === 'EXTERNAL') > 50, 'external peers');
    assert.ok(count((r) => r.match === 'PEER_MISSING') > 50, 'missing peers');
    assert.ok(count((r) => r.match === 'MATCHED' && r.src.ip === '127.0.0.1') > 10, 'loopback pairs');
    assert.ok(count((r) => r.match === 'MATCHED' && r.src.ip.includes(':')) > 20, 'IPv6 pairs');
    assert.ok(scenario.connections.some((c) => c.windows.SRC.length >= 20), 'long-lived connections');
    assert.ok(run.core.stats.late > 20, `late halves (${run.core.stats.late})`);
    assert.ok(run.core.stats.redelivered > 0, 're-deliveries');
  });

  test('a pending cap evicts early as PEER_MISSING and never loses or repeats a half', () => {
    for (const seed of seeds(6, 9000)) {
      const { scenario, script, join } = prepare(VARIANTS[0]!, seed);
      const uncapped = runCore(script, join);
      const cap = Math.max(10, Math.floor(uncapped.maxPendingSeen / 4));
      const capped = runCore(script, { ...join, maxPending: cap });
      assert.ok(capped.maxPendingSeen <= cap, `pending ${capped.maxPendingSeen} stayed within the cap ${cap}`);
      assert.ok(capped.core.stats.evicted > 0, 'the cap was reached');
      for (const [id, { source }] of script.inputs) {
        const produced = capped.outputs.get(id) ?? [];
        assert.equal(produced.length, 1, describeHalf(scenario, script, id));
        const record = produced[0]!;
        // Eviction may cost a match, never the truth of what is reported.
        assert.deepEqual(record, expectedRecord(source, record.match), describeHalf(scenario, script, id));
      }
    }
  });
});
