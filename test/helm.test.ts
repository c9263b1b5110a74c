/**
 * The Helm chart deploy/helm/flowmesh, checked without helm: Debian bookworm packages no helm
 * and no npm package ships the helm binary, so the chart cannot be rendered here (docs/helm.md).
 * What is checked instead, for the default values and ci/all-on-values.yaml:
 *
 * - Chart.yaml and the values files parse; every key a ci values file sets exists in values.yaml,
 *   and every .Values path (and every per-service key a template reads) exists there too.
 * - The templates are well formed: actions balanced, every include names a define.
 * - Each service's template (with the defines it includes) sets only variables its subcommand
 *   has, and the values it fills in from values.yaml, plus the service's extra args parsed by the
 *   CLI's own flag parser, pass the same loadConfig + validate the service runs at start.
 * - RBAC rules, agent capabilities and probe alerts are the manifests' (which deploy.test.ts checks).
 * - Secret references come from values, never fixed names; the agent's metrics bind to
 *   status.hostIP and it has a priorityClassName; the replicated stages get PodDisruptionBudgets
 *   and topology spread; a NetworkPolicy is on by default; KEDA is off by default and names
 *   real stages and their consumer groups.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, envName, loadConfig, type OptionSpecs, type ServiceCommand } from '@flowmesh/lib';
import { serviceCommands } from '../cli/src/services.js';
import { addSpecOptions, givenFlags } from '../cli/src/spec-flags.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/flowmesh');
const TEMPLATES = join(CHART, 'templates');
const MANIFESTS = join(ROOT, 'deploy/kubernetes');

type Json = Record<string, any>; // parsed YAML

/** Each component's values key (the chart's flowmesh.components define says the same; checked below). */
const VALUES_KEY: Record<string, string> = {
  agent: 'agent',
  joiner: 'joiner',
  enricher: 'enricher',
  'metadata-sync': 'metadataSync',
  'flow-metrics': 'flowMetrics',
  'ipfix-export': 'ipfixExport',
  ui: 'ui',
};
/** The stages the issue asks PodDisruptionBudgets and topology spread for. */
const REPLICATED = ['joiner', 'enricher', 'flow-metrics', 'ipfix-export', 'ui'];
/** Variables a container may set that are not flowmesh options. */
const PLAIN_ENV = new Set(['NODE_OPTIONS']);
/** Variables holding paths of files mounted in the pod: they name no file here, so their values are not loaded. */
const MOUNTED_FILE = /_(TLS_CA|TLS_CERT|TLS_KEY|GEOIP_DB|ASN_DB)$/;

const commands = new Map<string, ServiceCommand<OptionSpecs>>(serviceCommands.map((c) => [c.name, c]));
const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Json;
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Json;
const ciFiles = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));
const templateFiles = readdirSync(TEMPLATES).filter((f) => /\.(ya?ml|tpl)$/.test(f));
const sources = new Map(templateFiles.map((f) => [f, readFileSync(join(TEMPLATES, f), 'utf8')]));

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of a values file over the defaults: maps merge, everything else replaces. */
function merged(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = isObject(value) && isObject(base[key]) ? merged(base[key], value) : value;
  return out;
}

function lookup(values: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), values);
}

/** Key paths a values file sets, down to the first non-map value (free-form maps like resources stop early). */
function keyPaths(values: Json, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    return isObject(value) && Object.keys(value).length && isObject(lookup(defaults, path)) && Object.keys(lookup(defaults, path) as Json).length
      ? keyPaths(value, `${path}.`)
      : [path];
  });
}

// ---------------------------------------------------------------------------
// The templates as text: defines, includes, and what a service's template reaches.

/** Template code without raw strings ({{` `}}) and comments, whose braces are not actions. */
function code(text: string): string {
  return text.replace(/\{\{`[\s\S]*?`\}\}/g, '').replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
}

/** Walks a template's actions: the defines it holds, and what does not balance. */
function scan(file: string, text: string): { defines: Map<string, string>; problems: string[] } {
  const found = new Map<string, string>();
  const problems: string[] = [];
  const body = code(text);
  const open: { kind: string; name: string | undefined; start: number }[] = [];
  for (const match of body.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)) {
    const word = /^[a-z]+/.exec(match[1]!)?.[0];
    if (word === 'if' || word === 'range' || word === 'with' || word === 'define') {
      open.push({ kind: word, name: /"([^"]+)"/.exec(match[1]!)?.[1], start: match.index + match[0].length });
    } else if (word === 'end') {
      const block = open.pop();
      if (!block) problems.push(`${file}: {{ end }} without an opening action`);
      else if (block.kind === 'define' && block.name) found.set(block.name, body.slice(block.start, match.index));
    }
  }
  for (const block of open) problems.push(`${file}: ${block.kind} ${block.name ?? ''} is never ended`);
  if ((body.match(/\{\{/g) ?? []).length !== (body.match(/\}\}/g) ?? []).length) problems.push(`${file}: unbalanced {{ }}`);
  return { defines: found, problems };
}

const scanned = [...sources].map(([file, text]) => scan(file, text));
const defines = new Map(scanned.flatMap((s) => [...s.defines]));

function includes(text: string): string[] {
  return [...text.matchAll(/include\s+"([^"]+)"/g)].map((m) => m[1]!);
}

/** A template file with every define it includes, transitively. */
function reached(file: string): string {
  const seen = new Set<string>();
  const queue = includes(sources.get(file)!);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...includes(defines.get(name) ?? ''));
  }
  return [sources.get(file)!, ...[...seen].map((n) => defines.get(n) ?? '')].join('\n');
}

/** The template of each component, found by the subcommand its container is given. */
function componentTemplates(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [file, text] of sources) {
    const command = /"command"\s+"([a-z-]+)"/.exec(text)?.[1];
    if (command && file.endsWith('.yaml')) found.set(command, file);
  }
  return found;
}

/** `- name: VAR` entries of a template text, with the value expression when it is one `value:` line. */
function envEntries(text: string): { name: string; value: string | undefined; from: boolean }[] {
  return [...text.matchAll(/^\s*- name: ([A-Z][A-Z0-9_]*)\n\s*(value|valueFrom):\s*(.*)$/gm)].map((m) => ({ name: m[1]!, value: m[2] === 'value' ? m[3]!.trim() : undefined, from: m[2] === 'valueFrom' }));
}

/** What a `.Values.a.b` or `.svc.key` path reads for the values in force. */
function read(path: string, values: Json, svc: Json): unknown {
  if (path.startsWith('.Values.')) return lookup(values, path.slice(8));
  if (/^\$?\.?svc\./.test(path)) return lookup(svc, path.replace(/^\$?\.?svc\./, ''));
  return undefined;
}

/**
 * The value a `value:` line gives for the values in force (undefined when it is not a plain read
 * of them), and whether it prints a number without `| int64`: Helm reads values' numbers as
 * floats, and a float of a million or more prints as 1e+06.
 */
function evaluate(expression: string, values: Json, svc: Json): { value: string | undefined; float: boolean } {
  const action = /^\{\{\s*(.*?)\s*\}\}$/.exec(expression)?.[1];
  if (action === undefined) return { value: expression.replace(/^"(.*)"$/, '$1'), float: false };
  const quoted = /^(\S+)( \| int64)? \| quote$/.exec(action);
  if (quoted) {
    const value = read(quoted[1]!, values, svc);
    return { value: value === undefined ? undefined : String(value), float: typeof value === 'number' && !quoted[2] };
  }
  const joined = /^join "," (\S+) \| quote$/.exec(action);
  if (joined) return { value: (read(joined[1]!, values, svc) as unknown[] | undefined)?.join(','), float: false };
  return { value: undefined, float: false };
}

/** The service's extra args, parsed by the CLI's own commander setup. */
function parseArgs(name: string, specs: OptionSpecs, args: readonly string[], problems: string[]): Record<string, unknown> {
  const command = addSpecOptions(new Command(name), specs)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    problems.push(`args ${JSON.stringify(args)}: ${error.message}`);
  }
  if (command.args.length) problems.push(`args ${JSON.stringify(command.args)} are not --flags`);
  return givenFlags(command, specs);
}

function assertNoProblems(problems: readonly string[], heading: string): void {
  if (problems.length) assert.fail(`${heading}:\n  - ${problems.join('\n  - ')}`);
}

// ---------------------------------------------------------------------------

describe('Helm chart deploy/helm/flowmesh', () => {
  const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const valueSets: [string, Json][] = [['values.yaml', defaults], ...ciFiles.map((f): [string, Json] => [`ci/${f}`, merged(defaults, parse(readFileSync(join(CHART, 'ci', f), 'utf8')) as Json)])];
  const templates = componentTemplates();

  it('Chart.yaml is a v2 application chart whose appVersion is the release', () => {
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'flowmesh');
    assert.equal(chart.type, 'application');
    assert.match(String(chart.version), /^\d+\.\d+\.\d+$/);
    assert.equal(chart.appVersion, packageVersion);
  });

  it('has a ci values file with everything on, whose every key exists in values.yaml', () => {
    assert.ok(ciFiles.includes('all-on-values.yaml'), 'ci/all-on-values.yaml');
    const unknown = ciFiles.flatMap((f) => keyPaths(parse(readFileSync(join(CHART, 'ci', f), 'utf8')) as Json).filter((p) => lookup(defaults, p) === undefined).map((p) => `ci/${f}: ${p}`));
    assert.deepEqual(unknown, [], 'keys the chart does not read');
  });

  it('templates are well formed: balanced actions, includes of existing defines', () => {
    const problems = scanned.flatMap((s) => s.problems);
    for (const [file, text] of sources) {
      for (const name of includes(text)) if (!defines.has(name)) problems.push(`${file}: includes "${name}", which no template defines`);
    }
    assertNoProblems(problems, 'template syntax');
  });

  it('every .Values path the templates read exists in values.yaml', () => {
    const missing = new Set<string>();
    for (const [file, text] of sources) {
      for (const [, path = ''] of text.matchAll(/\$?\.Values\.([A-Za-z0-9_.]+)/g)) if (lookup(defaults, path) === undefined) missing.add(`${file}: .Values.${path}`);
    }
    assert.deepEqual([...missing], []);
  });

  it('the chart\'s component list matches the CLI\'s services, each with one template', () => {
    assert.deepEqual(parse(defines.get('flowmesh.components')!.trim()), VALUES_KEY);
    assert.deepEqual([...templates.keys()].sort(), [...commands.keys()].sort());
  });

  for (const [component, key] of Object.entries(VALUES_KEY)) {
    it(`${component}: its template sets only options of 'flowmesh ${component}', and the values load`, () => {
      const command = commands.get(component)!;
      const file = templates.get(component)!;
      const text = reached(file);
      const problems: string[] = [];
      const svcKeys = new Set([...text.matchAll(/(?:\$svc|\.svc)\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!));
      for (const k of svcKeys) if (lookup(defaults, `${key}.${k}`) === undefined) problems.push(`reads ${key}.${k}, which values.yaml does not have`);
      const optionOf = new Map<string, string>();
      for (const [option, spec] of Object.entries(command.options)) {
        optionOf.set(envName(option), option);
        for (const alias of spec.envAliases ?? []) optionOf.set(alias, option);
      }
      const entries = envEntries(text);
      for (const { name } of entries) if (!optionOf.has(name) && !PLAIN_ENV.has(name)) problems.push(`${name} is not an option of '${component}'`);
      assertNoProblems(problems, file);

      for (const [where, values] of valueSets) {
        const svc = values[key] as Json;
        const env: Record<string, string> = {};
        for (const entry of entries) {
          if (!optionOf.has(entry.name) || MOUNTED_FILE.test(entry.name)) continue;
          // Secrets and the downward API are stand-ins, as in test/deploy.test.ts.
          const { value, float } = entry.from ? { value: `<${entry.name}>`, float: false } : entry.value === undefined ? { value: undefined, float: false } : evaluate(entry.value, values, svc);
          if (float) problems.push(`${entry.name}: ${entry.value} prints a number without | int64`);
          if (value !== undefined) env[entry.name] = value;
        }
        const flags = parseArgs(component, command.options, (svc.args ?? []) as string[], problems);
        try {
          const config = loadConfig(command.options, { env, flags });
          problems.push(...(command.validate?.(config as never) ?? []));
          assert.equal((config as Json).httpPort, svc.port, `${where}: the port the Service and probes use is the one the service serves`);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems.push(...error.problems);
        }
        assertNoProblems(problems, `${file} with ${where}`);
      }
    });
  }

  it('takes every secret from a Secret named in values, never a fixed name', () => {
    const problems: string[] = [];
    for (const [file, text] of sources) {
      for (const [line] of text.matchAll(/^.*(secretKeyRef|secretName|secretTargetRef).*$/gm)) {
        if (/secretTargetRef:\s*$/.test(line)) continue;
        if (!/\{\{ (\$\.)?\.?Values\.[a-zA-Z.]+\.(existingSecret|caSecret|clientCertSecret|existingClaim|existingConfigMap) \| quote \}\}/.test(line)) problems.push(`${file}: ${line.trim()}`);
      }
    }
    assertNoProblems(problems, 'secret references');
    // Credentials in values are references: no password or token value anywhere in values.yaml.
    assert.deepEqual(keyPaths(defaults).filter((p) => /password$|token$/i.test(p)), []);
    for (const [where, values] of valueSets) assert.doesNotMatch(String(values.redis.url), /\/\/[^/]*:[^/]*@/, `${where}: the Redis URL carries no password`);
  });

  it('the agent binds its metrics to the node address and has a priorityClassName', () => {
    const agent = sources.get(templates.get('agent')!)!;
    assert.match(agent, /- name: FLOWMESH_HTTP_HOST\n\s*valueFrom: \{ fieldRef: \{ fieldPath: status\.hostIP \} \}/);
    assert.match(agent, /\{\{- with \$svc\.priorityClassName \}\}\n\s*priorityClassName: \{\{ \. \}\}/);
    assert.ok(defaults.agent.priorityClassName, 'a default priorityClassName');
    assert.match(agent, /kind: DaemonSet/);
  });

  it('the replicated stages get PodDisruptionBudgets and topology spread', () => {
    const stages = parse(defines.get('flowmesh.replicatedStages')!.trim()) as string[];
    assert.deepEqual(REPLICATED.filter((s) => !stages.includes(s)), []);
    const pdb = sources.get('poddisruptionbudgets.yaml')!;
    assert.match(pdb, /kind: PodDisruptionBudget/);
    assert.match(pdb, /range include "flowmesh\.replicatedStages"/);
    assert.equal(defaults.podDisruptionBudget.enabled, true);
    for (const stage of REPLICATED) assert.match(sources.get(templates.get(stage)!)!, /"spread" true/, `${stage} passes spread to flowmesh.deployment`);
    assert.match(defines.get('flowmesh.deployment')!, /if \.spread[\s\S]*include "flowmesh\.topologySpread"/);
    assert.match(defines.get('flowmesh.topologySpread')!, /topologySpreadConstraints:/);
    assert.equal(defaults.topologySpread.enabled, true);
  });

  it('has a NetworkPolicy, on by default, admitting the metrics ports and the ui', () => {
    const policy = sources.get('networkpolicy.yaml')!;
    assert.match(policy, /kind: NetworkPolicy/);
    assert.match(policy, /policyTypes: \[Ingress\]/);
    assert.equal(defaults.networkPolicy.enabled, true);
    assert.ok(Array.isArray(defaults.networkPolicy.metricsFrom) && Array.isArray(defaults.networkPolicy.uiFrom));
  });

  it('KEDA scaling on consumer lag is off by default and names stages with consumer groups', () => {
    const keda = defaults.autoscaling.keda;
    assert.equal(keda.enabled, false);
    const scaled = sources.get('keda-scaledobjects.yaml')!;
    assert.match(scaled, /kind: ScaledObject/);
    assert.match(scaled, /type: kafka/);
    for (const stage of keda.stages as string[]) {
      assert.ok(VALUES_KEY[stage], `${stage} is a component`);
      assert.ok(defaults[VALUES_KEY[stage]!].groupId, `${stage} has a groupId`);
      assert.match(scaled, new RegExp(`"${stage}" "flowmesh\\.[a-z]+\\.v1"`), `${stage}'s input topic`);
    }
    // While KEDA owns a Deployment's replicas the chart leaves them out.
    assert.match(defines.get('flowmesh.deployment')!, /if not \(include "flowmesh\.kedaScaled" \.\)/);
  });
  it('keeps the manifests\' RBAC rules, agent capabilities and probe alerts (test/deploy.test.ts checks those)', () => {
    const manifests = (file: string) => parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8')).map((d) => d.toJSON() as Json);
    const rbac = manifests('rbac.yaml');
    const chartRbac = sources.get('rbac.yaml')!.split(/^---$/m);
    /** The literal `rules:` of the chart's object of `kind`, with the Lease name a release named flowmesh gives. */
    const rulesOf = (kind: string) => {
      const text = chartRbac.find((doc) => new RegExp(`^kind: ${kind}$`, 'm').test(doc))!;
      const rules = text.slice(text.indexOf('\nrules:') + 1).replace(/\{\{-? end \}\}[\s\S]*$/, '').replaceAll('{{ $name }}', 'flowmesh-metadata-sync');
      return (parse(rules) as Json).rules;
    };
    for (const kind of ['ClusterRole', 'Role']) assert.deepEqual(rulesOf(kind), rbac.find((o) => o.kind === kind)!.rules, `${kind} rules`);

    const agent = manifests('agent-daemonset.yaml')[0]!.spec.template.spec.containers[0];
    const added = /add: \[([^\]]*)\]/.exec(sources.get(templates.get('agent')!)!)?.[1]?.split(',').map((c) => c.trim());
    assert.deepEqual(added, agent.securityContext.capabilities.add);

    const alerts = manifests('probes-prometheusrule.yaml')[0]!.spec;
    const rule = sources.get('prometheusrule.yaml')!.replace(/\{\{`([\s\S]*?)`\}\}/g, '$1');
    const spec = rule.slice(rule.indexOf('\nspec:') + 1).replace(/\{\{- end \}\}\s*$/, '');
    assert.deepEqual((parse(spec) as Json).spec, alerts);
  });

  it('the agents\' probes select the agent pods the chart labels, and metadata-sync competes for the Lease its Role names', () => {
    const agent = sources.get(templates.get('agent')!)!;
    assert.match(agent, /app\.kubernetes\.io\/name=flowmesh-agent,app\.kubernetes\.io\/instance=%s" \.Release\.Name/);
    assert.match(defines.get('flowmesh.selectorLabels')!, /app\.kubernetes\.io\/name: flowmesh-\{\{ \.component \}\}\napp\.kubernetes\.io\/instance: \{\{ \.root\.Release\.Name \}\}/);
    assert.match(defines.get('flowmesh.metadata-sync.env')!, /FLOWMESH_LEASE_NAME\n\s*value: \{\{ printf "%s-metadata-sync" \(include "flowmesh\.fullname" \.\) \| quote \}\}/);
    assert.match(sources.get('rbac.yaml')!, /\$name := printf "%s-metadata-sync" \(include "flowmesh\.fullname" \.\)[\s\S]*resourceNames: \[\{\{ \$name \}\}\]/);
  });
});
