/** An agent as the CLI runs it, inside a fabric node's namespace, with its /metrics reachable from here. */
import { fileURLToPath } from 'node:url';
import type { Child } from '@flowmesh/lib';
import { parsePrometheusText, type Sample } from '@flowmesh/lib/testing';
import { type FabricNode, getUnix, type ProbeFabric } from './probe-fabric.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const AGENT_HTTP_PORT = 9400;

export interface ProbeAgent {
  node: FabricNode;
  agent: Child;
  metrics(): Promise<Sample[]>;
}

export interface ProbeAgentOptions {
  /** "127.0.0.1:port" of the broker; the port is bridged into the namespace. */
  brokers: string;
  redisUrl: string;
  /** More agent flags (e.g. --probe-interval-ms); `--probes` is added unless `probes` is false. */
  flags?: string[];
  probes?: boolean;
  /** Niceness of the agent process. @default -10 */
  nice?: number;
}

export async function startProbeAgent(fabric: ProbeFabric, node: FabricNode, options: ProbeAgentOptions): Promise<ProbeAgent> {
  const port = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1).replace(/\/.*$/, ''));
  const sockets = await fabric.bridge(node, [port(options.brokers), port(options.redisUrl)], [AGENT_HTTP_PORT]);
  // A higher CPU priority (inherited by the probe process): the agents are the measuring
  // instrument, and on a machine shared with other work their own scheduling delay would
  // otherwise show up as network delay.
  const agent = fabric.spawnIn(node.netns, 'nice', [
    '-n', String(options.nice ?? -10), process.execPath, `${ROOT}bin/flowmesh.js`, 'agent',
    '--source', 'synthetic', '--synthetic-rate', '0', '--node-name', node.name,
    '--kafka-brokers', options.brokers, '--kafka-partitions', '4', '--redis-url', options.redisUrl,
    '--http-host', '127.0.0.1', '--http-port', String(AGENT_HTTP_PORT), '--log-level', 'warn',
    ...(options.probes === false ? [] : ['--probes']),
    ...(options.flags ?? []),
  ]);
  const socket = sockets.get(AGENT_HTTP_PORT)!;
  // generous: several agents start at once, each compiling the sources, on a shared machine
  const deadline = Date.now() + 150_000;
  for (;;) {
    const ready = await getUnix(socket, '/readyz').catch(() => ({ status: 0, body: '' }));
    if (ready.status === 200) break;
    if (Date.now() > deadline || agent.process.exitCode !== null) throw new Error(`agent ${node.name} did not get ready: ${ready.body}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { node, agent, metrics: async () => parsePrometheusText((await getUnix(socket, '/metrics')).body) };
}

export function nodeObject(name: string, zone: string, ip: string) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

/** The agent DaemonSet's pod on a node (host network: the node's address), as the kubelet reports it. */
export function agentPod(node: string, ip: string, ready: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `flowmesh-agent-${node}`, namespace: 'flowmesh', labels: { 'app.kubernetes.io/name': 'flowmesh-agent' } },
    spec: { nodeName: node, hostNetwork: true, containers: [{ name: 'agent', image: 'flowmesh' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}
