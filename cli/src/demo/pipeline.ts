/**
 * Runs the flowmesh services as child processes (`flowmesh <service>`, the
 * same entry point a container uses) against an embedded stack, each with
 * its own ops port and a log file. Used by the demo and the end-to-end test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { freePort, projectPath, withParentDeathSignal } from '@flowmesh/lib';
import type { EmbeddedStack } from '../embedded-stack.js';
import type { ClusterPlan } from './cluster-plan.js';

const CLI = projectPath('bin/flowmesh.js');

export type AgentSpec =
  | { kind: 'ebpf'; node: string; netnsPath: string }
  | { kind: 'synthetic'; seed: number; nodes: number; rate: number };

export interface PipelineOptions {
  stack: EmbeddedStack;
  plan: ClusterPlan;
  agents: AgentSpec[];
  windowMs: number;
  logDir: string;
  /** Extra flags per service name. */
  extraFlags?: Record<string, string[]>;
  /** Also run flow-metrics on the flows topic (the traffic in Prometheus). @default false */
  flowMetrics?: boolean;
}

export interface ServiceProcess {
  name: string;
  port: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** Stops it (draining) and starts it again with the same arguments on the same port; resolves once ready. */
  restart(): Promise<ServiceProcess>;
}

export interface RunningPipeline {
  services: ServiceProcess[];
  /** Resolves once every service answers /readyz with 200 (agents: capturing; stages: in their group). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM to agents first, then the stages downstream, waiting for each to drain. */
  stop(): Promise<void>;
}

/** Starts `flowmesh <args>` as a child with its own ops port (`port` again on a restart) and log file. */
export async function startService(name: string, args: string[], options: Pick<PipelineOptions, 'stack' | 'logDir' | 'extraFlags'>, port?: number): Promise<ServiceProcess> {
  port ??= await freePort();
  const logFile = `${options.logDir}/${name}.log`;
  const log = createWriteStream(logFile, { flags: 'a' });
  // Its own process group (Ctrl-C reaches only the demo, which stops the services in order) and a parent-death signal.
  const [command, commandArgs] = withParentDeathSignal(process.execPath, [CLI, ...args, ...(options.extraFlags?.[name] ?? [])]);
  const child = spawn(command, commandArgs, {
    detached: true,
    env: {
      ...process.env,
      KAFKA_BROKERS: options.stack.kafkaBrokers,
      REDIS_URL: options.stack.redisUrl,
      FLOWMESH_HTTP_PORT: String(port),
      FLOWMESH_HTTP_HOST: '127.0.0.1',
      FLOWMESH_KAFKA_PARTITIONS: '4',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    name,
    port,
    child,
    logFile,
    exited,
    async restart() {
      await stopService(service);
      const again = await startService(name, args, options, port);
      await waitServiceReady(again, Date.now() + 180_000);
      return again;
    },
  };
  return service;
}

/** Waits until a service answers /readyz with 200, failing early when it exited. */
export async function waitServiceReady(service: ServiceProcess, deadline: number): Promise<void> {
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${service.port}/readyz`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) return;
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited (${service.child.exitCode}); see ${service.logFile}`);
    if (Date.now() > deadline) throw new Error(`${service.name} not ready; see ${service.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM, then SIGKILL if it has not drained within `timeoutMs`. */
export async function stopService(service: ServiceProcess, timeoutMs = 20_000): Promise<void> {
  if (service.child.exitCode === null) service.child.kill('SIGTERM');
  await Promise.race([service.exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  if (service.child.exitCode === null) service.child.kill('SIGKILL');
}

export async function startPipeline(options: PipelineOptions): Promise<RunningPipeline> {
  mkdirSync(options.logDir, { recursive: true });
  const { plan, windowMs } = options;
  const clusterCidrs = [plan.podCidr, ...plan.nodes.map((n) => `${n.ip}/32`)].join(',');
  const services: ServiceProcess[] = [];
  services.push(await startService('metadata-sync', ['metadata-sync', '--kube-api', options.stack.kubeApiUrl, '--no-leader-election'], options));
  services.push(
    await startService(
      'joiner',
      ['joiner', '--cluster-cidrs', clusterCidrs, '--service-cidrs', plan.serviceCidr, '--grace-ms', String(windowMs), '--idle-timeout-ms', String(windowMs * 2)],
      options,
    ),
  );
  services.push(await startService('enricher', ['enricher', '--cluster-id', plan.clusterId, '--cluster-cidrs', `${clusterCidrs},${plan.serviceCidr}`], options));
  if (options.flowMetrics) services.push(await startService('flow-metrics', ['flow-metrics'], options));
  for (const agent of options.agents) {
    const common = ['agent', '--export-interval-ms', String(windowMs)];
    if (agent.kind === 'ebpf') {
      services.push(await startService(`agent-${agent.node}`, [...common, '--netns', agent.netnsPath, '--node-name', agent.node], options));
    } else {
      services.push(
        await startService(
          'agent-synthetic',
          [...common, '--source', 'synthetic', '--synthetic-seed', String(agent.seed), '--synthetic-nodes', String(agent.nodes), '--synthetic-rate', String(agent.rate), '--node-name', 'synthetic'],
          options,
        ),
      );
    }
  }
  return {
    services,
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (const service of services) await waitServiceReady(service, deadline);
    },
    async stop() {
      // Upstream first, so every stage drains what the one before it flushed.
      const order = [...services.filter((s) => s.name.startsWith('agent')), ...services.filter((s) => !s.name.startsWith('agent'))];
      for (const name of ['agent', 'joiner', 'enricher', 'flow-metrics', 'metadata-sync']) {
        const group = order.filter((s) => s.name.startsWith(name));
        await Promise.all(group.map((s) => stopService(s)));
      }
    },
  };
}
