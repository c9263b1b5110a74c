/**
 * The probe alerts and dashboard, checked by the real Prometheus tooling:
 * `promtool test rules` shows TCPInterZoneTestFailure firing on inter-zone TCP
 * failures (and not on passing tests), and every dashboard query parses as
 * PromQL and names only metrics the agent declares.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { probeMetrics } from '../src/probes/probe-metrics.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = parse(readFileSync(`${ROOT}deploy/kubernetes/probes-prometheusrule.yaml`, 'utf8')) as { spec: { groups: { rules: { alert?: string; expr: string }[] }[] } };
const DASHBOARD = JSON.parse(readFileSync(`${ROOT}docs/grafana/flowmesh-probes-dashboard.json`, 'utf8')) as {
  templating: { list: { type: string; query: unknown }[] };
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
};

function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')}:\n${stdout}${stderr}`);
  }
}

function declaredNames(): Set<string> {
  const registry = new Registry();
  probeMetrics(registry);
  return new Set(registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name));
}

/** Metric names in a PromQL expression (histogram series folded into their metric). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(kconmon_[a-z_]+|flowmesh_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

test('TCPInterZoneTestFailure fires on inter-zone TCP failures lasting 2 minutes, not on passing tests (promtool test rules)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'i21-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups: RULE.spec.groups.map((g, i) => ({ name: `probes-${i}`, ...g })) }));
  promtool(['check', 'rules', join(dir, 'rules.yaml')]);
  const pair = 'source="node-a",destination="node-c",source_zone="zone-1",destination_zone="zone-2"';
  const same = 'source="node-a",destination="node-b",source_zone="zone-1",destination_zone="zone-1"';
  writeFileSync(
    join(dir, 'test.yaml'),
    JSON.stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '15s',
      tests: [
        {
          interval: '15s',
          input_series: [
            { series: `kconmon_tcp_results_total{${pair},result="fail"}`, values: '0+1x40' },
            { series: `kconmon_tcp_results_total{${same},result="pass"}`, values: '0+1x40' },
          ],
          alert_rule_test: [
            { eval_time: '1m', alertname: 'TCPInterZoneTestFailure', exp_alerts: [] },
            {
              eval_time: '5m',
              alertname: 'TCPInterZoneTestFailure',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', source_zone: 'zone-1', destination_zone: 'zone-2' },
                  exp_annotations: { summary: 'Inter-zone TCP test failures', description: 'TCP probes from zone zone-1 to zone zone-2 have been failing for 2 minutes.' },
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  const out = promtool(['test', 'rules', join(dir, 'test.yaml')]);
  assert.match(out, /SUCCESS/);
});

test('the rules and the dashboard name only metrics the agent declares; every dashboard query is valid PromQL', (t) => {
  const declared = declaredNames();
  const exprs = [...RULE.spec.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((target) => target.expr))];
  assert.ok(exprs.length >= 10);
  const unknown = exprs.flatMap(metricNames).filter((name) => !declared.has(name));
  assert.deepEqual([...new Set(unknown)], []);
  assert.ok(DASHBOARD.templating.list.some((v) => v.type === 'datasource' && v.query === 'prometheus'));
  for (const panel of DASHBOARD.panels.filter((p) => p.type !== 'row')) assert.equal(panel.datasource?.uid, '${datasource}', panel.title);

  // promtool parses a rule's expression with Prometheus' own parser: each query as a recording rule
  const dir = mkdtempSync(join(tmpdir(), 'i21-dash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const queries = DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((target) => target.expr.replaceAll('$zone', '.*')));
  const check = (exprs: string[]) => {
    writeFileSync(join(dir, 'dashboard.yaml'), JSON.stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
    promtool(['check', 'rules', join(dir, 'dashboard.yaml')]); // exits non-zero on a query it cannot parse
  };
  check(queries);
  assert.throws(() => check([...queries, 'sum by (source (kconmon_udp_loss)']), /promtool/, 'the check fails on a broken query');
});
