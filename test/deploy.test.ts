/**
 * The deployment files checked against the code, since no Docker engine or cluster runs
 * here: docker-compose.kafka.yml, deploy/kubernetes/ and the Dockerfile.
 *
 * - Every container runs a real CLI subcommand (cli/src/services.ts) and gives it only real
 *   options: each --flag, FLOWMESH_* variable and alias (KAFKA_BROKERS, NODE_NAME, ...) must
 *   belong to that subcommand's option specs, and the resulting values must pass the same
 *   loadConfig + validate the service runs at start.
 * - Health checks and probes hit the port the service serves /healthz and /readyz on.
 * - metadata-sync's RBAC grants get/list/watch on exactly what it watches (derived from
 *   services/metadata-sync/src/kube/watched-resources.ts) and only the Lease verbs its
 *   elector calls, and nothing else in the cluster gets API credentials.
 * - The operator docs and the Grafana dashboard name only metrics the services declare, and
 *   docs/runbook.md explains every one of them.
 *
 * Values the files cannot fix are stand-ins: a Kubernetes fieldRef resolves to `<fieldPath>`,
 * a Secret key to `<secret name/key>`, a compose variable to its default.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, createRegistry, envName, flagName, loadConfig, type OptionSpecs, type ServiceCommand } from '@flowmesh/lib';
import { DEFAULT_LOADER_PATH } from '@flowmesh/node-agent';
import { Registry } from 'prom-client';
import { serviceCommands } from '../cli/src/services.js';
import { streamMetrics } from '../lib/src/kafka/stream-metrics.js';
import { agentMetrics } from '../services/node-agent/src/metrics.js';
import { probeMetrics } from '../services/node-agent/src/probes/probe-metrics.js';
import { registerJoinerMetrics } from '../services/joiner/src/joiner-metrics.js';
import { newJoinStats } from '../services/joiner/src/join-stats.js';
import { enricherMetrics } from '../services/enricher/src/metrics.js';
import { createSyncMetrics } from '../services/metadata-sync/src/metrics.js';
import { ipfixMetrics } from '../services/ipfix-export/src/metrics.js';
import { flowMetricsServiceMetrics, remoteWriteMetrics, TRAFFIC_METRIC_NAMES } from '../services/flow-metrics/src/index.js';
import { watchedResources } from '../services/metadata-sync/src/kube/watched-resources.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const K8S_DIR = join(ROOT, 'deploy/kubernetes');

/** The subcommands a deployment must run: one per service (services/node-agent runs as `agent`). */
const DEPLOYED = ['agent', 'enricher', 'flow-metrics', 'ipfix-export', 'joiner', 'metadata-sync', 'ui'];
/** Variables a container may set that are not flowmesh options. */
const PLAIN_ENV = new Set(['NODE_OPTIONS', 'NODE_ENV', 'TZ']);
/** What the agent needs instead of privileged (services/node-agent, bpf/loader.c). */
const AGENT_CAPS = ['BPF', 'PERFMON', 'NET_ADMIN', 'SYS_PTRACE'];

type Json = Record<string, any>; // parsed YAML
type Config = Record<string, unknown>;

const commands = new Map<string, ServiceCommand<OptionSpecs>>(serviceCommands.map((c) => [c.name, c]));

function registered(): string {
  return commands.size ? [...commands.keys()].sort().join(', ') : 'none yet';
}

// ---------------------------------------------------------------------------
// One container's invocation, checked against its subcommand's option specs.

interface Invocation {
  where: string;
  /** Subcommand and its arguments. */
  args: readonly string[];
  /** Every variable the file sets, with its value when the file fixes one (undefined: unknown or unset). */
  env: Map<string, string | undefined>;
}

interface Checked {
  command: ServiceCommand<OptionSpecs>;
  config: Config;
}

/** Fails with every problem listed under a heading; passes when there are none. */
function assertNoProblems(problems: readonly string[], heading: string): void {
  if (problems.length) assert.fail(`${heading}:\n  - ${problems.join('\n  - ')}`);
}

function parseFlags(name: string, specs: OptionSpecs, args: readonly string[], problems: string[]): Record<string, unknown> {
  const byFlag = new Map(Object.keys(specs).map((key) => [flagName(key), key]));
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`argument ${JSON.stringify(arg)} is not a --flag (the subcommand takes no positional arguments)`);
      continue;
    }
    const [, flag = '', inline] = match;
    if (flag === 'config') {
      if (inline === undefined) i++;
      continue;
    }
    let key = byFlag.get(flag);
    let negated = false;
    if (key === undefined && flag.startsWith('no-')) {
      key = byFlag.get(flag.slice(3));
      negated = true;
      if (key !== undefined && specs[key]!.type !== 'boolean') {
        problems.push(`--${flag}: --${flag.slice(3)} is not a boolean option, so it has no --no- form`);
        continue;
      }
    }
    if (key === undefined) {
      problems.push(`--${flag} is not an option of '${name}'`);
      continue;
    }
    if (specs[key]!.type === 'boolean') {
      if (inline !== undefined) problems.push(`--${flag}=${inline}: boolean flags take no value (write --${flagName(key)} or --no-${flagName(key)})`);
      else flags[key] = !negated;
    } else {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('--')) problems.push(`--${flag} needs a value`);
      else flags[key] = value;
    }
  }
  return flags;
}

/** Checks an invocation; returns its command and effective config. Fails listing every problem at once. */
function checkInvocation(invocation: Invocation): Checked {
  const [name, ...rest] = invocation.args;
  assert.ok(name, `${invocation.where}: no subcommand given`);
  const command = commands.get(name);
  if (!command) {
    assert.fail(
      `${invocation.where} runs 'flowmesh ${name}', which is not a registered CLI subcommand ` +
        `(cli/src/services.ts registers: ${registered()}); its options cannot be checked until it is`,
    );
  }
  const specs = command.options;
  const problems: string[] = [];
  const flags = parseFlags(name, specs, rest, problems);

  const optionOf = new Map<string, string>();
  for (const [key, spec] of Object.entries(specs)) {
    optionOf.set(envName(key), key);
    for (const alias of spec.envAliases ?? []) optionOf.set(alias, key);
  }
  const fedBy = new Map<string, string[]>();
  const env: Record<string, string> = {};
  for (const [variable, value] of invocation.env) {
    const key = optionOf.get(variable);
    if (key === undefined) {
      if (!PLAIN_ENV.has(variable)) {
        problems.push(
          variable.startsWith('FLOWMESH_')
            ? `${variable} is not an option of '${name}'`
            : `${variable} is neither an option alias of '${name}' nor one of ${[...PLAIN_ENV].join(', ')}`,
        );
      }
      continue;
    }
    fedBy.set(key, [...(fedBy.get(key) ?? []), variable]);
    if (value !== undefined) env[variable] = value;
  }
  for (const [key, variables] of fedBy) {
    if (variables.length > 1) problems.push(`${variables.join(' and ')} both set option ${key}; keep one`);
  }

  let config: Config = {};
  try {
    config = loadConfig(specs, { env, flags }) as Config;
    problems.push(...(command.validate?.(config as never) ?? []));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  assertNoProblems(problems, `${invocation.where} ('flowmesh ${name}')`);
  return { command, config };
}

function httpPort(config: Config): number {
  return config.httpPort as number;
}

function shutdownTimeoutMs(config: Config): number {
  return config.shutdownTimeoutMs as number;
}

function assertRegistersEveryDeployedService(used: string[], where: string): void {
  assert.deepEqual([...new Set(used)].sort(), DEPLOYED, `${where} must run each of ${DEPLOYED.join(', ')} exactly as those subcommands`);
  const missing = DEPLOYED.filter((name) => !commands.has(name));
  if (missing.length) assert.fail(`${where} runs subcommands the CLI does not register yet: ${missing.join(', ')} (cli/src/services.ts registers: ${registered()})`);
}

function capabilityNames(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c) => String(c).toUpperCase().replace(/^CAP_/, '')) : [];
}

// ---------------------------------------------------------------------------
// docker-compose.kafka.yml

/** Compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR+x}, ${VAR:?x}, ${VAR?x}. */
function interpolate(text: string, vars: Record<string, string>, undefaulted: Set<string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
      }
      const inner = text.slice(i + 2, j - 1);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])(.*))?$/s.exec(inner);
      assert.ok(match, `bad interpolation \${${inner}}`);
      const [, name = '', op, arg = ''] = match;
      const value = vars[name];
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      if (op === ':-') out += nonEmpty ? value : interpolate(arg, vars, undefaulted);
      else if (op === '-') out += set ? value : interpolate(arg, vars, undefaulted);
      else if (op === ':+') out += nonEmpty ? interpolate(arg, vars, undefaulted) : '';
      else if (op === '+') out += set ? interpolate(arg, vars, undefaulted) : '';
      else {
        if (!set) undefaulted.add(name);
        out += value ?? '';
      }
      i = j - 1;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!match) {
        out += '$';
        continue;
      }
      if (vars[match[0]] === undefined) undefaulted.add(match[0]);
      out += vars[match[0]] ?? '';
      i += match[0].length;
    }
  }
  return out;
}

function deepInterpolate(value: unknown, vars: Record<string, string>, undefaulted: Set<string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars, undefaulted);
  if (Array.isArray(value)) return value.map((v) => deepInterpolate(v, vars, undefaulted));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepInterpolate(v, vars, undefaulted)]));
  return value;
}

const COMPOSE_FILE = 'docker-compose.kafka.yml';
/** Variables any shell has; everything else the file reads must have a default. */
const HOST_VARS = { HOME: '/home/user' };

function loadCompose(vars: Record<string, string>): { services: Record<string, Json>; undefaulted: Set<string> } {
  const raw = parse(readFileSync(join(ROOT, COMPOSE_FILE), 'utf8'), { merge: true }) as Json;
  const undefaulted = new Set<string>();
  const doc = deepInterpolate(raw, { ...HOST_VARS, ...vars }, undefaulted) as Json;
  return { services: (doc.services ?? {}) as Record<string, Json>, undefaulted };
}

function composeEnv(service: Json): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const given = service.environment;
  if (Array.isArray(given)) {
    for (const entry of given as string[]) {
      const at = entry.indexOf('=');
      if (at < 0) env.set(entry, undefined);
      else env.set(entry.slice(0, at), entry.slice(at + 1));
    }
  } else if (given) {
    for (const [name, value] of Object.entries(given as Json)) env.set(name, value === null ? undefined : String(value));
  }
  return env;
}

function composeArgs(service: Json): string[] {
  const command = service.command;
  if (Array.isArray(command)) return command.map(String);
  return typeof command === 'string' ? command.trim().split(/\s+/) : [];
}

/** `node <V8 flags> /app/bin/flowmesh.js`: the image's entrypoint (see the Dockerfile test) with flags NODE_OPTIONS does not take. */
function isEntrypointWithV8Flags(command: unknown): boolean {
  if (!Array.isArray(command) || command.length < 3) return false;
  const [node, ...rest] = command.map(String);
  const script = rest.pop();
  return node === 'node' && script === '/app/bin/flowmesh.js' && rest.every((flag) => /^--[a-z-]+(=\S+)?$/.test(flag));
}

function isFlowmesh(service: Json): boolean {
  return typeof service.image === 'string' && /^flowmesh(:|$)/.test(service.image);
}

interface Published {
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
}

function published(service: Json): Published[] {
  return ((service.ports ?? []) as unknown[]).map((entry) => {
    if (typeof entry === 'object' && entry !== null) {
      const long = entry as Json;
      return { hostIp: long.host_ip, hostPort: Number(long.published), containerPort: Number(long.target) };
    }
    const parts = String(entry).replace(/\/(tcp|udp)$/, '').split(':');
    const containerPort = Number(parts.pop());
    const hostPort = Number(parts.pop() ?? containerPort);
    return { hostIp: parts.pop(), hostPort, containerPort };
  });
}

/** Ports a compose service accepts connections on inside the compose network. */
function listensOn(service: Json): Set<number> {
  const ports = new Set(published(service).map((p) => p.containerPort));
  for (const port of (service.expose ?? []) as unknown[]) ports.add(Number(port));
  const env = composeEnv(service);
  for (const variable of ['KAFKA_LISTENERS', 'SCHEMA_REGISTRY_LISTENERS']) {
    for (const listener of (env.get(variable) ?? '').split(',')) {
      const port = /:(\d+)$/.exec(listener.trim())?.[1];
      if (port) ports.add(Number(port));
    }
  }
  if (String(service.image ?? '').startsWith('redis')) ports.add(6379);
  return ports;
}

function usesHostNetwork(service: Json): boolean {
  return service.network_mode === 'host';
}

/** Why `host:port` is not reachable from `from`, or null when it is. */
function unreachable(services: Record<string, Json>, from: Json, host: string, port: number): string | null {
  if (usesHostNetwork(from)) {
    if (host !== 'localhost' && host !== '127.0.0.1') return `${host}:${port}: a host-network container reaches compose services only through ports published on localhost`;
    const publisher = Object.entries(services).find(([, s]) => published(s).some((p) => p.hostPort === port && (!p.hostIp || p.hostIp === '127.0.0.1' || p.hostIp === '0.0.0.0')));
    return publisher ? null : `${host}:${port}: no compose service publishes port ${port} on the host`;
  }
  const target = services[host];
  if (!target) return `${host}:${port}: no compose service is called ${host}`;
  if (usesHostNetwork(target)) return `${host}:${port}: ${host} uses the host network, not the compose network`;
  return listensOn(target).has(port) ? null : `${host}:${port}: ${host} does not listen on ${port}`;
}

function advertisedListeners(kafka: Json): string[] {
  return (composeEnv(kafka).get('KAFKA_ADVERTISED_LISTENERS') ?? '')
    .split(',')
    .map((l) => l.trim().replace(/^[A-Z_]+:\/\//, ''))
    .filter(Boolean);
}

function durationMs(text: unknown): number {
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return total;
}

function checkComposeService(services: Record<string, Json>, name: string, service: Json): Checked {
  const checked = checkInvocation({ where: `${COMPOSE_FILE} service ${name}`, args: composeArgs(service), env: composeEnv(service) });
  const { config } = checked;
  const port = httpPort(config);
  const problems: string[] = [];

  const probe = JSON.stringify(service.healthcheck?.test ?? '');
  const url = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)\/(healthz|readyz)/.exec(probe);
  if (!url) problems.push('healthcheck does not request /healthz or /readyz on localhost');
  else if (Number(url[1]) !== port) problems.push(`healthcheck requests port ${url[1]}, the service serves on ${port}`);
  for (const p of published(service)) {
    if (p.containerPort !== port) problems.push(`publishes container port ${p.containerPort}; the service serves on ${port}`);
  }
  if (usesHostNetwork(service) && service.ports) problems.push('host-network containers cannot publish ports');
  const grace = durationMs(service.stop_grace_period ?? '10s');
  if (grace <= shutdownTimeoutMs(config)) problems.push(`stop_grace_period ${grace} ms does not exceed --shutdown-timeout-ms ${shutdownTimeoutMs(config)}`);

  const dependsOn = (Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((d: string) => [d, {}])) : (service.depends_on ?? {})) as Json;
  const needs = (dependency: string) => {
    if (dependsOn[dependency]?.condition !== 'service_healthy') problems.push(`must depend on ${dependency} with condition service_healthy`);
  };
  if (Array.isArray(config.kafkaBrokers)) {
    needs('kafka');
    const advertised = advertisedListeners(services.kafka ?? {});
    for (const broker of config.kafkaBrokers as string[]) {
      const [host = '', brokerPort = ''] = broker.split(':');
      const why = unreachable(services, service, host, Number(brokerPort));
      if (why) problems.push(`Kafka broker ${why}`);
      if (!advertised.includes(broker)) problems.push(`Kafka broker ${broker} is not one of kafka's advertised listeners (${advertised.join(', ')})`);
    }
  }
  if (typeof config.redisUrl === 'string') {
    needs('redis');
    const redis = new URL(config.redisUrl);
    const why = unreachable(services, service, redis.hostname, Number(redis.port || 6379));
    if (why) problems.push(`Redis ${why}`);
  }
  if (typeof config.schemaRegistryUrl === 'string') {
    const registry = new URL(config.schemaRegistryUrl);
    const why = unreachable(services, service, registry.hostname, Number(registry.port || 80));
    if (why) problems.push(`schema registry ${why}`);
  }
  for (const dependency of Object.keys(dependsOn)) {
    const target = services[dependency];
    if (!target) problems.push(`depends on ${dependency}, which is not a service`);
    else if (target.profiles && JSON.stringify(target.profiles) !== JSON.stringify(service.profiles)) {
      problems.push(`depends on ${dependency}, which only starts with profile ${target.profiles}`);
    }
  }
  assertNoProblems(problems, `${COMPOSE_FILE} service ${name}`);
  return checked;
}

describe(COMPOSE_FILE, () => {
  const plain = loadCompose({});
  const flowmesh = Object.entries(plain.services).filter(([, s]) => isFlowmesh(s));

  it('needs no variables beyond its defaults', () => {
    assert.deepEqual([...plain.undefaulted], [], 'every ${VAR} needs a default (${VAR:-x}) or must be a ${VAR:+x} switch');
  });

  it('runs Apache Kafka in KRaft mode and Redis', () => {
    const kafka = plain.services.kafka;
    assert.ok(kafka, 'a service named kafka');
    assert.match(String(kafka.image), /^apache\/kafka:/);
    const env = composeEnv(kafka);
    assert.deepEqual(new Set((env.get('KAFKA_PROCESS_ROLES') ?? '').split(',')), new Set(['broker', 'controller']), 'KRaft combined mode');
    assert.ok(env.get('KAFKA_CONTROLLER_QUORUM_VOTERS'), 'KRaft needs controller quorum voters');
    assert.ok(![...env.keys()].some((k) => k.includes('ZOOKEEPER')), 'no ZooKeeper');
    assert.ok(kafka.healthcheck, 'the services wait for a healthy broker');
    assert.match(String(plain.services.redis?.image), /^redis:/);
  });

  it('runs every service from the image the Dockerfile builds', () => {
    for (const [name, service] of flowmesh) {
      const context = typeof service.build === 'object' ? service.build?.context : service.build;
      assert.equal(context, '.', `${name}: build: . (the Dockerfile)`);
      assert.ok(service.entrypoint === undefined || isEntrypointWithV8Flags(service.entrypoint), `${name}: the image's entrypoint, or it with V8 flags`);
    }
    assertRegistersEveryDeployedService(flowmesh.map(([, s]) => composeArgs(s)[0] ?? ''), COMPOSE_FILE);
  });

  for (const [name, service] of flowmesh) {
    it(`${name}: real subcommand and options, health check on its HTTP port, reachable Kafka/Redis`, () => {
      checkComposeService(plain.services, name, service);
    });
  }

  it('with SCHEMA_REGISTRY=1 every service still checks out and reaches the registry', () => {
    const { services } = loadCompose({ SCHEMA_REGISTRY: '1' });
    assert.ok(services['schema-registry'], 'a schema-registry service');
    let withRegistry = 0;
    for (const [name, service] of Object.entries(services).filter(([, s]) => isFlowmesh(s))) {
      if (checkComposeService(services, name, service).config.schemaRegistryUrl) withRegistry++;
    }
    assert.ok(withRegistry > 0, 'SCHEMA_REGISTRY=1 turns the registry on');
  });

  it('gives the agent host PID, the host network and capabilities instead of privileged', () => {
    const agent = flowmesh.find(([, s]) => composeArgs(s)[0] === 'agent')?.[1];
    assert.ok(agent, 'an agent service');
    assert.equal(agent.pid, 'host');
    assert.equal(agent.network_mode, 'host');
    assert.notEqual(agent.privileged, true, 'not privileged: capabilities instead');
    const caps = capabilityNames(agent.cap_add);
    assert.deepEqual(AGENT_CAPS.filter((c) => !caps.includes(c)), [], `cap_add lacks some of ${AGENT_CAPS.join(', ')}`);
    assert.ok(['root', '0'].includes(String(agent.user)), 'runs as root so the added capabilities are effective (the image defaults to user node)');
  });
});

// ---------------------------------------------------------------------------
// deploy/kubernetes

interface K8sObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: Json;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

function loadManifests(): { kustomization: Json; objects: K8sObject[]; files: string[] } {
  const kustomization = parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as Json;
  const files = (kustomization.resources ?? []) as string[];
  const objects: K8sObject[] = [];
  for (const file of files) {
    const path = join(K8S_DIR, file);
    assert.ok(existsSync(path), `kustomization.yaml lists ${file}, which does not exist`);
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      const value = doc.toJS() as K8sObject | null;
      if (value) objects.push({ ...value, __file: file });
    }
  }
  return { kustomization, objects, files };
}

function named(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
}

function matches(selector: Json | undefined, labels: Json | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

function resolveK8sEnv(objects: K8sObject[], namespace: string, container: Json, where: string): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const problems: string[] = [];
  for (const source of (container.envFrom ?? []) as Json[]) {
    const ref = source.configMapRef ?? source.secretRef;
    const object = named(objects, source.configMapRef ? 'ConfigMap' : 'Secret', ref?.name, namespace);
    if (!object) {
      if (!ref?.optional) problems.push(`envFrom ${ref?.name}: not in the manifests`);
      continue;
    }
    for (const [key, value] of Object.entries((object.data ?? {}) as Json)) env.set(`${source.prefix ?? ''}${key}`, source.configMapRef ? String(value) : undefined);
  }
  for (const entry of (container.env ?? []) as Json[]) {
    const from = entry.valueFrom as Json | undefined;
    if (!from) env.set(entry.name, entry.value === undefined ? '' : String(entry.value));
    else if (from.fieldRef) env.set(entry.name, `<${from.fieldRef.fieldPath}>`);
    else if (from.configMapKeyRef) {
      const { name, key, optional } = from.configMapKeyRef as Json;
      const value = named(objects, 'ConfigMap', name, namespace)?.data?.[key];
      if (value === undefined && !optional) problems.push(`${entry.name}: ConfigMap ${name} has no key ${key}`);
      env.set(entry.name, value === undefined ? undefined : String(value));
    } else if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef as Json;
      // Secrets are created by the operator; a required one would keep the pod from starting until then.
      if (!optional && !named(objects, 'Secret', name, namespace)) problems.push(`${entry.name}: Secret ${name} is neither optional nor in the manifests`);
      env.set(entry.name, `<secret ${name}/${key}>`);
    } else env.set(entry.name, undefined);
  }
  assertNoProblems(problems, where);
  return env;
}

interface K8sContainer {
  workload: K8sObject;
  pod: Json;
  container: Json;
  where: string;
  subcommand: string;
}

/** An image reference without its tag or digest: registry.example.com:5000/flowmesh/flowmesh:0.1.0 -> ...flowmesh/flowmesh. */
function imageRepository(image: string): string {
  return image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
}

/** Why an image reference is not fully qualified and pinned, or undefined when it is. */
function unqualifiedImage(image: string): string | undefined {
  const first = image.split('/')[0]!;
  if (!image.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) return 'no registry host (a bare name is pulled from docker.io)';
  if (!/@sha256:[0-9a-f]{64}$/.test(image) && imageRepository(image) === image) return 'no tag or digest';
  if (image.endsWith(':latest')) return 'the tag latest moves';
  return undefined;
}

function flowmeshContainers(objects: K8sObject[], imageName: string): K8sContainer[] {
  const found: K8sContainer[] = [];
  for (const workload of objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
    const pod = workload.spec?.template?.spec ?? {};
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Json[]) {
      if (imageRepository(String(container.image)) !== imageName) continue;
      found.push({
        workload,
        pod,
        container,
        where: `${workload.__file} ${workload.kind}/${workload.metadata.name} container ${container.name}`,
        subcommand: String(container.args?.[0] ?? ''),
      });
    }
  }
  return found;
}

function containerPort(container: Json, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  return (container.ports as Json[] | undefined)?.find((p) => p.name === port)?.containerPort;
}

/** The verbs the Lease elector calls, read from its source (readNamespacedLease → get, ...). */
function leaseVerbs(): string[] {
  const source = readFileSync(join(ROOT, 'services/metadata-sync/src/kube/lease-elector.ts'), 'utf8');
  const verbOf: Record<string, string> = { read: 'get', create: 'create', replace: 'update', patch: 'patch', delete: 'delete', list: 'list' };
  const verbs = new Set<string>();
  for (const [, call = ''] of source.matchAll(/\b(read|create|replace|patch|delete|list)NamespacedLease\b/g)) verbs.add(verbOf[call]!);
  return [...verbs].sort();
}

/** `group/resource` of everything metadata-sync lists and watches, from the API paths it uses. */
function watchedApiResources(): string[] {
  const kube = new KubeConfig();
  kube.loadFromOptions({
    clusters: [{ name: 'test', server: 'https://kube.invalid', skipTLSVerify: true }],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return watchedResources(kube)
    .map(({ path }) => {
      const core = /^\/api\/v1\/([a-z]+)$/.exec(path);
      const grouped = /^\/apis\/([^/]+)\/[^/]+\/([a-z]+)$/.exec(path);
      assert.ok(core ?? grouped, `unexpected watch path ${path}`);
      return core ? `/${core[1]}` : `${grouped![1]}/${grouped![2]}`;
    })
    .sort();
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

function rulesFor(objects: K8sObject[], account: { name: string; namespace: string }): { cluster: Rule[]; namespaced: { namespace: string; rules: Rule[] }[] } {
  const bindsAccount = (binding: K8sObject) =>
    ((binding.subjects ?? []) as Json[]).some((s) => s.kind === 'ServiceAccount' && s.name === account.name && (s.namespace ?? binding.metadata.namespace) === account.namespace);
  const cluster: Rule[] = [];
  const namespaced: { namespace: string; rules: Rule[] }[] = [];
  for (const binding of objects.filter((o) => (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && bindsAccount(o))) {
    const ref = binding.roleRef as Json;
    const role = ref.kind === 'ClusterRole' ? named(objects, 'ClusterRole', ref.name) : named(objects, 'Role', ref.name, binding.metadata.namespace);
    assert.ok(role, `${binding.kind}/${binding.metadata.name} refers to ${ref.kind}/${ref.name}, which is not in the manifests`);
    if (binding.kind === 'ClusterRoleBinding') cluster.push(...((role.rules ?? []) as Rule[]));
    else namespaced.push({ namespace: binding.metadata.namespace, rules: (role.rules ?? []) as Rule[] });
  }
  return { cluster, namespaced };
}

function grants(rules: Rule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).includes(group) &&
      (r.resources ?? []).includes(resource) &&
      (r.verbs ?? []).includes(verb) &&
      (!r.resourceNames?.length || (name !== undefined && r.resourceNames.includes(name))),
  );
}

describe('deploy/kubernetes', () => {
  const { kustomization, objects, files } = loadManifests();
  const namespace = String(kustomization.namespace ?? 'default');
  const imageName = String(kustomization.images?.[0]?.name ?? '(kustomization.yaml has no images: entry)');
  const containers = flowmeshContainers(objects, imageName);
  const checked = new Map<K8sContainer, Checked>();
  const check = (c: K8sContainer): Checked => {
    let result = checked.get(c);
    if (!result) {
      const env = resolveK8sEnv(objects, c.workload.metadata.namespace ?? namespace, c.container, c.where);
      result = checkInvocation({ where: c.where, args: (c.container.args ?? []).map(String), env });
      checked.set(c, result);
    }
    return result;
  };
  const bySubcommand = (name: string) => {
    const found = containers.find((c) => c.subcommand === name);
    assert.ok(found, `no container runs 'flowmesh ${name}'`);
    return found;
  };

  it('kustomization.yaml lists every manifest, and every object sits in its namespace', () => {
    const patches = ((kustomization.patches ?? []) as Json[]).map((p) => p.path).filter(Boolean);
    const onDisk = readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    assert.deepEqual(onDisk.filter((f) => !files.includes(f) && !patches.includes(f)), [], 'manifests not listed in kustomization.yaml resources (or patches)');
    const misplaced = objects.filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata?.namespace !== undefined && o.metadata.namespace !== namespace);
    assert.deepEqual(misplaced.map((o) => `${o.kind}/${o.metadata.name}`), [], `namespaced objects outside ${namespace}`);
    assert.ok(named(objects, 'Namespace', namespace), `a Namespace ${namespace}`);
  });

  it('names every image with its registry and a tag, and kustomize `images:` can repoint all flowmesh containers', () => {
    const problems: string[] = [];
    for (const workload of objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
      const pod = workload.spec?.template?.spec ?? {};
      for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Json[]) {
        const why = unqualifiedImage(String(container.image ?? ''));
        if (why) problems.push(`${workload.__file} ${workload.kind}/${workload.metadata.name} container ${container.name}: image ${container.image}: ${why}`);
      }
    }
    const entries = (kustomization.images ?? []) as Json[];
    assert.equal(entries.length, 1, 'kustomization.yaml: one images: entry, the flowmesh image');
    const entry = entries[0]!;
    const rendered = `${entry.newName ?? entry.name}:${entry.newTag ?? ''}`;
    const why = unqualifiedImage(rendered);
    if (why) problems.push(`kustomization.yaml images: renders ${rendered}: ${why}`);
    assertNoProblems(problems, 'images');
    // The override matches by repository: every service must use exactly the one it names.
    assertRegistersEveryDeployedService(containers.map((c) => c.subcommand), `containers whose image is ${imageName}`);
  });

  it('runs every service from the flowmesh image through the image entrypoint', () => {
    for (const c of containers) {
      assert.ok(
        c.container.command === undefined || isEntrypointWithV8Flags(c.container.command),
        `${c.where}: no command (the image's entrypoint is the CLI), or that entrypoint with V8 flags; the subcommand goes in args`,
      );
    }
    assertRegistersEveryDeployedService(containers.map((c) => c.subcommand), 'deploy/kubernetes');
  });

  for (const c of containers) {
    it(`${c.where}: real subcommand and options, probes on its HTTP port, resources, grace period`, () => {
      const { config } = check(c);
      const port = httpPort(config);
      const problems: string[] = [];
      for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
        const get = c.container[probe]?.httpGet as Json | undefined;
        if (!get) problems.push(`${probe}: missing (httpGet ${path})`);
        else {
          if (get.path !== path) problems.push(`${probe}: path ${get.path}, want ${path}`);
          const target = containerPort(c.container, get.port);
          if (target !== port) problems.push(`${probe}: port ${get.port} (${target}) is not the service's HTTP port ${port}`);
        }
      }
      const http = (c.container.ports as Json[] | undefined)?.find((p) => p.name === 'http');
      if (http?.containerPort !== port) problems.push(`containerPort "http" is ${http?.containerPort}, the service serves on ${port}`);
      const resources = c.container.resources as Json | undefined;
      for (const [kind, what] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']] as const) {
        if (resources?.[kind]?.[what] === undefined) problems.push(`resources.${kind}.${what} missing`);
      }
      const grace = Number(c.pod.terminationGracePeriodSeconds ?? 30) * 1000;
      if (grace <= shutdownTimeoutMs(config)) problems.push(`terminationGracePeriodSeconds (${grace / 1000}) must exceed --shutdown-timeout-ms (${shutdownTimeoutMs(config)})`);
      assertNoProblems(problems, c.where);
    });
  }

  it('the agent is a DaemonSet with host PID, host network, the capabilities it needs and its node name', () => {
    const agent = bySubcommand('agent');
    assert.equal(agent.workload.kind, 'DaemonSet');
    assert.equal(agent.pod.hostPID, true, 'hostPID: /proc of every process on the node');
    assert.equal(agent.pod.hostNetwork, true);
    assert.equal(agent.pod.dnsPolicy, 'ClusterFirstWithHostNet', 'with hostNetwork, cluster DNS names (Kafka) resolve only with ClusterFirstWithHostNet');
    const security = (agent.container.securityContext ?? {}) as Json;
    assert.notEqual(security.privileged, true, 'capabilities instead of privileged');
    const caps = capabilityNames(security.capabilities?.add);
    assert.deepEqual(AGENT_CAPS.filter((cap) => !caps.includes(cap)), [], `capabilities.add lacks some of ${AGENT_CAPS.join(', ')}`);
    assert.equal(security.runAsUser ?? agent.pod.securityContext?.runAsUser, 0, 'root, so the added capabilities are effective (the image defaults to user node)');
    assert.equal(check(agent).config.nodeName, '<spec.nodeName>', 'the node name comes from the downward API (spec.nodeName)');
  });

  it('metadata-sync runs 2 replicas electing a writer with a Lease in its own namespace', () => {
    const sync = bySubcommand('metadata-sync');
    assert.equal(sync.workload.kind, 'Deployment');
    assert.equal(sync.workload.spec.replicas, 2);
    const { config } = check(sync);
    assert.equal(config.leaderElection, true);
    assert.equal(config.identity, '<metadata.name>', 'each replica names itself after its pod in the Lease');
    assert.equal(config.leaseNamespace, '<metadata.namespace>', 'the Lease lives in the pod\'s namespace, where its Role is');
    assert.ok(sync.pod.serviceAccountName, 'a ServiceAccount of its own');
    assert.notEqual(sync.pod.automountServiceAccountToken, false, 'it needs its token');
  });

  it('metadata-sync may get/list/watch exactly the kinds it watches, and write nothing but its Lease', () => {
    const sync = bySubcommand('metadata-sync');
    const account = { name: String(sync.pod.serviceAccountName), namespace: sync.workload.metadata.namespace ?? namespace };
    assert.ok(named(objects, 'ServiceAccount', account.name), `ServiceAccount ${account.name} is in the manifests`);
    const { cluster, namespaced } = rulesFor(objects, account);
    const problems: string[] = [];
    const watched = watchedApiResources();
    for (const groupResource of watched) {
      const [group = '', resource = ''] = groupResource.split('/');
      for (const verb of ['get', 'list', 'watch']) {
        if (!grants(cluster, group, resource, verb)) problems.push(`ClusterRole does not grant ${verb} on ${groupResource} (cluster-wide)`);
      }
    }
    for (const rule of cluster) {
      if (rule.nonResourceURLs?.length) problems.push(`ClusterRole grants nonResourceURLs ${rule.nonResourceURLs}`);
      if (rule.resourceNames?.length) problems.push(`ClusterRole rule limited to resourceNames ${rule.resourceNames}: the informers list everything`);
      for (const verb of rule.verbs ?? []) if (!['get', 'list', 'watch'].includes(verb)) problems.push(`ClusterRole grants ${verb}; metadata-sync only reads`);
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          if (!watched.includes(`${group}/${resource}`)) problems.push(`ClusterRole grants ${group}/${resource}, which metadata-sync does not watch`);
        }
      }
    }

    const { config } = check(sync);
    const needed = leaseVerbs();
    assert.ok(needed.length > 0, 'found the Lease calls in lease-elector.ts');
    const here = namespaced.filter((n) => n.namespace === account.namespace).flatMap((n) => n.rules);
    for (const verb of needed) {
      if (!grants(here, 'coordination.k8s.io', 'leases', verb, verb === 'create' ? undefined : String(config.leaseName))) {
        problems.push(`no Role in ${account.namespace} grants ${verb} on Lease ${config.leaseName}${verb === 'create' ? ' (create cannot be limited by resourceNames)' : ''}`);
      }
    }
    for (const { namespace: ns, rules } of namespaced) {
      for (const rule of rules) {
        const extra = (rule.verbs ?? []).filter((v) => !needed.includes(v));
        if (extra.length) problems.push(`Role in ${ns} grants ${extra} the Lease elector never calls`);
        const what = (rule.apiGroups ?? []).flatMap((g) => (rule.resources ?? []).map((r) => `${g}/${r}`)).filter((gr) => gr !== 'coordination.k8s.io/leases');
        if (what.length) problems.push(`Role in ${ns} grants ${what}; only the Lease is needed`);
      }
    }
    assertNoProblems(problems, 'metadata-sync RBAC');
  });

  it('no other service gets Kubernetes API credentials', () => {
    for (const c of containers.filter((x) => x.subcommand !== 'metadata-sync')) {
      assert.equal(c.pod.automountServiceAccountToken, false, `${c.where}: automountServiceAccountToken: false`);
      const account = { name: String(c.pod.serviceAccountName ?? 'default'), namespace: c.workload.metadata.namespace ?? namespace };
      const { cluster, namespaced } = rulesFor(objects, account);
      assert.equal(cluster.length + namespaced.length, 0, `${c.where}: its ServiceAccount ${account.name} is bound to roles`);
    }
  });

  it('a Service exposes every component\'s metrics port and a ServiceMonitor scrapes it', () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    assert.ok(monitors.length > 0, 'a ServiceMonitor');
    const problems: string[] = [];
    for (const monitor of monitors) if (monitor.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`ServiceMonitor ${monitor.metadata.name}: apiVersion ${monitor.apiVersion}`);
    for (const c of containers) {
      const podLabels = c.workload.spec?.template?.metadata?.labels as Json;
      const port = httpPort(check(c).config);
      const ns = c.workload.metadata.namespace ?? namespace;
      const services = objects.filter((o) => o.kind === 'Service' && (o.metadata.namespace ?? namespace) === ns && matches(o.spec?.selector, podLabels));
      const exposing = services.filter((s) => ((s.spec?.ports ?? []) as Json[]).some((p) => p.name === 'metrics' && containerPort(c.container, p.targetPort ?? p.port) === port));
      if (!exposing.length) {
        problems.push(`${c.where}: no Service selects its pods with a port named metrics targeting ${port}`);
        continue;
      }
      const scraped = exposing.some((service) =>
        monitors.some(
          (m) =>
            (m.metadata.namespace ?? namespace) === ns &&
            matches(m.spec?.selector?.matchLabels, service.metadata.labels) &&
            ((m.spec?.endpoints ?? []) as Json[]).some((e) => e.port === 'metrics' && (e.path ?? '/metrics') === '/metrics'),
        ),
      );
      if (!scraped) problems.push(`${c.where}: no ServiceMonitor in ${ns} selects its metrics Service and scrapes port metrics at /metrics`);
    }
    assertNoProblems(problems, 'metrics Services and ServiceMonitor');
  });
});

// ---------------------------------------------------------------------------
// Dockerfile

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  const reincluded = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).trim());
  const workdir = [...dockerfile.matchAll(/^WORKDIR\s+(\S+)/gm)].at(-1)?.[1] ?? '/';
  /** The text of one stage (`FROM ... AS name`), or of the last, unnamed one (the image). */
  const stage = (name?: string): string => {
    const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
    return (name ? stages.find((text) => new RegExp(`^FROM \\S+ AS ${name}\\b`).test(text)) : stages.at(-1)) ?? '';
  };
  const build = stage('build');
  const runtime = stage();

  it('runs the CLI from the image\'s WORKDIR', () => {
    assert.match(dockerfile, new RegExp(`^ENTRYPOINT \\["node", "${workdir}/bin/flowmesh\\.js"\\]`, 'm'));
  });

  it('puts the probe loader where the agent looks for it by default', () => {
    const loader = relative(ROOT, DEFAULT_LOADER_PATH);
    const targets = [loader, `${dirname(loader)}/`].flatMap((path) => [path, `${workdir}/${path}`]);
    const copied = [...dockerfile.matchAll(/^COPY --from=\S+ \S+ (\S+)$/gm)].map((m) => m[1]!);
    assert.ok(copied.some((dest) => targets.includes(dest)), `COPY the built loader (or its directory) to ${workdir}/${loader}`);
  });

  it('installs the dependencies of every workspace', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const workspaces = root.workspaces.flatMap((pattern) =>
      pattern.endsWith('/*') ? readdirSync(join(ROOT, pattern.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${pattern.slice(0, -2)}/${d.name}`) : [pattern],
    );
    const missing = workspaces.filter((w) => existsSync(join(ROOT, w, 'package.json')) && !dockerfile.includes(`COPY ${w}/package.json`));
    assert.deepEqual(missing, [], 'each workspace\'s package.json is copied before npm ci');
  });

  it('keeps what the build and the services read at run time in the build context', () => {
    const needed = ['bin', 'schemas', 'lib', 'cli', 'services', 'bpf', 'package.json', 'package-lock.json'];
    assert.deepEqual(needed.filter((path) => ignored.includes(path) || ignored.includes(`${path}/`)), [], '.dockerignore excludes a path the image needs');
    assert.ok(reincluded.includes('scripts/build.js'), '.dockerignore excludes scripts/ but must keep scripts/build.js (!scripts/build.js)');
    for (const path of ['lib/', 'cli/', 'services/', 'scripts/build.js']) assert.ok(build.includes(`COPY ${path}`), `the build stage copies ${path}`);
    for (const path of ['bin/', 'schemas/', 'services/ui/web/']) assert.ok(runtime.includes(`COPY ${path}`), `the image copies ${path}`);
    // The ui bundles its page's scripts when it starts: every module they import from outside web/ must be in the image too.
    const web = join(ROOT, 'services/ui/web');
    const outside = readdirSync(web)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [...readFileSync(join(web, file), 'utf8').matchAll(/^import (?!type )[^;]*from '(\.\.\/[^']+)';/gm)].map((match) => join('services/ui/web', match[1]!).replace(/\.js$/, '.ts')));
    assert.ok(outside.length > 0, 'the check found the page\'s imports from outside web/');
    for (const path of new Set(outside)) assert.ok(runtime.includes(`COPY ${path} `), `the image copies ${path}, which the page's scripts import`);
  });

  it('runs the build, not the TypeScript sources through tsx', () => {
    assert.match(build, /^RUN node scripts\/build\.js$/m, 'the build stage runs scripts/build.js');
    assert.match(runtime, /^COPY --from=build \/app\/dist\/ dist\/$/m, 'the image takes dist/ from the build stage');
    assert.match(runtime, /^ENV FLOWMESH_RUN=build$/m, 'FLOWMESH_RUN=build: bin/flowmesh.js runs dist/ and never tsx');
    for (const sources of ['lib/', 'cli/', 'services/ ']) assert.ok(!runtime.includes(`COPY ${sources}`), `the image itself holds no ${sources.trim()} sources`);
  });

  it('starts from a current Node LTS (Node 20 reached end of life in April 2026)', () => {
    const base = /^ARG NODE_IMAGE=node:(\d+)-bookworm-slim$/m.exec(dockerfile);
    assert.ok(base, 'ARG NODE_IMAGE=node:<major>-bookworm-slim');
    const major = Number(base[1]);
    assert.ok(major >= 24 && major % 2 === 0, `node:${major}: an even (LTS) line, 24 or newer`);
  });

  describe('the probe stage fails without BTF unless PROBE=skip', () => {
    // The stage's RUN script as Docker runs it (continuation lines joined), with the BTF path
    // pointed elsewhere so the script sees a host with or without BTF.
    const script = /^RUN (mkdir -p \.output[\s\S]*?esac)$/m.exec(stage('probe'))?.[1]?.replace(/\\\n/g, '');
    const run = (probe: string, btf: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'flowmesh-probe-stage-'));
      try {
        return spawnSync('sh', ['-c', script!.replaceAll('/sys/kernel/btf/vmlinux', btf)], { cwd: dir, env: { PATH: process.env.PATH, PROBE: probe }, encoding: 'utf8' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('declares PROBE=build as the default', () => {
      assert.ok(script, 'the probe stage has a `RUN mkdir -p .output && case "$PROBE" in ... esac`');
      assert.match(stage('probe'), /^ARG PROBE=build$/m);
    });

    it('a host without BTF: the build fails, naming BTF and --build-arg PROBE=skip', () => {
      const result = run('build', '/nonexistent/btf/vmlinux');
      assert.equal(result.status, 1);
      assert.match(result.stderr, /BTF/);
      assert.match(result.stderr, /--build-arg PROBE=skip/);
    });

    it('PROBE=skip builds without the probe and says so', () => {
      const result = run('skip', '/nonexistent/btf/vmlinux');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /without the eBPF probe/);
    });

    it('any other PROBE value fails', () => {
      assert.equal(run('maybe', '/nonexistent/btf/vmlinux').status, 1);
    });
  });
});

// ---------------------------------------------------------------------------
// Operator docs and the dashboard

/** Every metric the services declare (names as declared; histograms without _bucket/_sum/_count). */
function declaredMetrics(): { service: Set<string>; process: Set<string> } {
  const registry = new Registry();
  streamMetrics(registry);
  agentMetrics(registry);
  probeMetrics(registry);
  enricherMetrics(registry);
  ipfixMetrics(registry);
  registerJoinerMetrics(registry, {
    stats: newJoinStats(),
    rereads: { rereads: 0, duplicates: 0, withheld: 0 },
    partitions: () => [],
    maxPending: 1,
    now: Date.now,
  });
  createSyncMetrics(registry, { liveObjects: () => 0, viewKeys: () => ({}), tombstones: () => 0, pendingKeys: () => 0, viewBytes: () => 0, isLeader: () => false });
  flowMetricsServiceMetrics(registry, () => 0, 2);
  remoteWriteMetrics(registry);
  const process = createRegistry('test');
  return {
    // The traffic metrics are collectors that flow-metrics registers on its store.
    service: new Set([...registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name), ...TRAFFIC_METRIC_NAMES]),
    process: new Set(process.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name)),
  };
}

function metricNamesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\bflowmesh_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
}

const OPERATOR_DOCS = ['docs/quickstart.md', 'docs/production.md', 'docs/runbook.md', 'docs/kcat.md'];
const DASHBOARDS = ['docs/grafana/flowmesh-dashboard.json', 'docs/grafana/flowmesh-traffic-dashboard.json'];

describe('operator docs and dashboard', () => {
  const declared = declaredMetrics();
  const known = new Set([...declared.service, ...declared.process]);

  for (const file of [...OPERATOR_DOCS, ...DASHBOARDS, 'docs/flow-metrics.md', 'docs/grafana/flowmesh-traffic-rules.yaml']) {
    it(`${file} names only metrics the services declare`, () => {
      const unknown = [...metricNamesIn(readFileSync(join(ROOT, file), 'utf8'))].filter((name) => !known.has(name));
      assert.deepEqual(unknown, [], `${file} names metrics no service declares`);
    });
  }

  it('docs/runbook.md explains every metric the services declare', () => {
    const documented = metricNamesIn(readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8'));
    // kconmon_* (the agent's probes, kept under kconmon's names) are documented in docs/probes.md
    assert.deepEqual([...declared.service].filter((name) => !name.startsWith('kconmon_') && !documented.has(name)).sort(), [], 'metrics missing from docs/runbook.md');
  });

  for (const file of DASHBOARDS) it(`${file} is Grafana JSON whose panels query Prometheus through the datasource variable`, () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Json;
    assert.ok(dashboard.templating?.list?.some((v: Json) => v.type === 'datasource' && v.query === 'prometheus'), 'a Prometheus datasource variable');
    const queries = (dashboard.panels as Json[]).filter((p) => p.type !== 'row');
    assert.ok(queries.length > 0);
    for (const panel of queries) {
      assert.equal(panel.datasource?.uid, '${datasource}', `panel ${panel.title}: datasource variable`);
      assert.ok(panel.targets?.length && panel.targets.every((t: Json) => typeof t.expr === 'string' && t.expr.includes('flowmesh_')), `panel ${panel.title}: flowmesh queries`);
    }
    const ids = (dashboard.panels as Json[]).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
  });

  it('the docs give services only options they have', () => {
    const missing = DEPLOYED.filter((name) => !commands.has(name));
    if (missing.length) assert.fail(`cannot check the options the docs mention until the CLI registers ${missing.join(', ')} (cli/src/services.ts registers: ${registered()})`);
    const flags = new Set(['config', 'from-beginning', 'max', 'timeout']); // --config, and `flowmesh tail`'s own
    const variables = new Set<string>(['FLOWMESH_RUN']); // bin/flowmesh.js's own: build or sources
    for (const command of commands.values()) {
      for (const [key, spec] of Object.entries(command.options)) {
        flags.add(flagName(key));
        if (spec.type === 'boolean') flags.add(`no-${flagName(key)}`);
        variables.add(envName(key));
      }
    }
    const unknown = new Set<string>();
    for (const file of OPERATOR_DOCS) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // Options as the docs write them: `--foo-bar` alone in backticks, optionally with a value.
      for (const [, flag = ''] of text.matchAll(/`--([a-z0-9-]+)(?:[ =][^`]*)?`/g)) if (!flags.has(flag)) unknown.add(`${file}: --${flag}`);
      for (const [variable] of text.matchAll(/\bFLOWMESH_[A-Z0-9_]+\b/g)) if (!variables.has(variable)) unknown.add(`${file}: ${variable}`);
    }
    assert.deepEqual([...unknown], [], 'the docs mention options no service has');
  });
});
