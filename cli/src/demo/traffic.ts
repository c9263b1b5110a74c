/**
 * The demo's traffic script: which pod talks to which, how much, and how
 * often. Servers start first; clients report the exact bytes they moved,
 * which is the ground truth the end-to-end test compares the pipeline with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { entryPoint } from '@flowmesh/lib';
import type { ClusterPlan } from './cluster-plan.js';
import type { SimCluster } from './sim-cluster.js';

/** Its own bundle in dist/ when the demo runs compiled (scripts/build.js lists it). */
const ACTOR = entryPoint('cli/src/demo/actor.ts');

export interface Conversation {
  actor: string;
  protocol: number;
  /** Client address:port. */
  local: string;
  /** Address:port the client dialled (a Service VIP for Service calls). */
  remote: string;
  bytesSent: number;
  bytesReceived: number;
}

interface ActorSpec {
  netns: string;
  name: string;
  args: (string | number)[];
}

export interface TrafficOptions {
  /** Requests (datagrams) per client; 0 runs until stop(). */
  requests: number;
  intervalMs: number;
}

export interface RunningTraffic {
  /** Resolves with every client's report once all clients finished (after stop() when requests = 0). */
  finished: Promise<Conversation[]>;
  stop(): Promise<void>;
}

/** The conversations: Service call, pod-to-pod, UDP to the DNS pod, a call outside the cluster. */
export function trafficPlan(plan: ClusterPlan, cluster: SimCluster, options: TrafficOptions) {
  const pod = (prefix: string) => plan.pods.find((p) => p.name.startsWith(prefix))!;
  const ns = (prefix: string) => cluster.netnsOf(pod(prefix).node);
  const catalog = pod('catalog');
  const dns = pod('coredns');
  const svc = plan.services.find((s) => s.name === 'catalog')!;
  const { requests, intervalMs } = options;
  const servers: ActorSpec[] = [
    { netns: ns('catalog'), name: 'catalog-api', args: ['tcp-server', catalog.ip, svc.targetPort, 4096] },
    { netns: ns('coredns'), name: 'coredns', args: ['udp-server', dns.ip, 53] },
    { netns: cluster.externalNetns, name: 'example-api', args: ['tcp-server', plan.external.ip, 443, 1500] },
  ];
  const clients: ActorSpec[] = [
    { netns: ns('loadgen'), name: 'loadgen', args: ['tcp-client', pod('loadgen').ip, svc.clusterIp, svc.port, 512, requests, intervalMs] },
    { netns: ns('frontend'), name: 'frontend', args: ['tcp-client', pod('frontend').ip, catalog.ip, svc.targetPort, 256, requests, intervalMs] },
    { netns: ns('frontend'), name: 'resolver', args: ['udp-client', pod('frontend').ip, dns.ip, 53, 64, requests, intervalMs] },
    { netns: ns('frontend'), name: 'webhook', args: ['tcp-client', pod('frontend').ip, plan.external.ip, 443, 300, requests, intervalMs] },
  ];
  return { servers, clients };
}

function startActor(spec: ActorSpec): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn('ip', ['netns', 'exec', spec.netns, process.execPath, ...ACTOR.execArgv, ACTOR.file, String(spec.args[0]), spec.name, ...spec.args.slice(1).map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

export async function startTraffic(plan: ClusterPlan, cluster: SimCluster, options: TrafficOptions): Promise<RunningTraffic> {
  const { servers, clients } = trafficPlan(plan, cluster, options);
  const running: ChildProcess[] = [];
  for (const spec of servers) {
    const actor = startActor(spec);
    running.push(actor.child);
    const first = await actor.lines.next(); // {"listening": ...}
    if (first.done) throw new Error(`traffic server ${spec.name} exited before listening`);
  }
  const reports = clients.map((spec) => {
    const actor = startActor(spec);
    running.push(actor.child);
    return (async () => {
      for await (const line of actor.lines) return JSON.parse(line) as Conversation;
      throw new Error(`traffic client ${spec.name} exited without a report`);
    })();
  });
  const clientProcesses = running.slice(servers.length);
  const finished = Promise.all(reports).finally(() => {
    for (const child of running.slice(0, servers.length)) child.kill('SIGTERM');
  });
  // stop() kills clients that run until stopped (the demo): their reports then fail, as expected.
  // Whoever awaits `finished` still sees that; nobody awaiting it must not crash the process.
  finished.catch(() => undefined);
  return {
    finished,
    async stop() {
      // `ip netns exec` execs the actor, so the signal reaches it directly.
      for (const child of clientProcesses) child.kill('SIGTERM');
      await Promise.allSettled(reports);
      for (const child of running) child.kill('SIGTERM');
    },
  };
}
