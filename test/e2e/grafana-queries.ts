/**
 * The PromQL of the traffic dashboard and of the PrometheusRule example, ready
 * to run against a Prometheus: Grafana's interval variables get fixed values,
 * and an alert's threshold comparison is cut off (its left side must have data
 * even when the alert does not fire).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TRAFFIC_DASHBOARD = 'docs/grafana/flowmesh-traffic-dashboard.json';
export const TRAFFIC_RULES = 'docs/grafana/flowmesh-traffic-rules.yaml';

export interface NamedQuery {
  where: string;
  expr: string;
}

interface Panel {
  title: string;
  type: string;
  targets?: { refId: string; expr: string }[];
  panels?: Panel[];
}

const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '1m', $__interval: '15s', $__range: '5m' };

export function dashboardQueries(file = TRAFFIC_DASHBOARD): NamedQuery[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { panels: Panel[] };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `${file} "${panel.title}" ${target.refId}`,
      expr: Object.entries(GRAFANA_VARIABLES).reduce((expr, [name, value]) => expr.split(name).join(value), target.expr),
    })),
  );
}

interface RuleGroups {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

function ruleGroups(file: string): RuleGroups {
  return (parse(readFileSync(join(ROOT, file), 'utf8')) as { spec: RuleGroups }).spec;
}

export function ruleQueries(file = TRAFFIC_RULES): NamedQuery[] {
  return ruleGroups(file).groups.flatMap((group) =>
    group.rules.map((rule) => ({
      where: `${file} ${rule.alert ?? rule.record}`,
      expr: rule.expr.replace(/\s*(>=|>|<=|<)\s*[0-9.]+\s*$/, ''),
    })),
  );
}

/** The PrometheusRule's spec as a plain Prometheus rule file (a temp file), to load into a server. */
export function ruleFileOf(file = TRAFFIC_RULES): string {
  const path = join(tmpdir(), `flowmesh-rules-${process.pid}-${Date.now()}.yaml`);
  writeFileSync(path, stringify(ruleGroups(file)));
  return path;
}
