/**
 * The simulated cluster behind the synthetic source: nodes, workloads with
 * pods spread over the nodes, Services with virtual IPs, and who calls whom.
 * Names and addresses look like a small real cluster (kubeadm defaults:
 * pods in 10.244.<node>.0/24, Services in 10.96.0.0/12).
 */
import { Prng } from '@flowmesh/lib';

export interface SimNode {
  name: string;
  ip: string;
}

export interface SimPod {
  name: string;
  namespace: string;
  node: SimNode;
  ip: string;
  pid: number;
  processName: string;
  /** Raw command line, secrets included: the agent's redaction must catch them. */
  cmdline: string;
  containerId: string;
}

export interface SimService {
  name: string;
  vip: string;
  port: number;
  targetPort: number;
  protocol: 'tcp' | 'udp';
  pods: SimPod[];
}

interface WorkloadSpec {
  name: string;
  namespace: string;
  replicas: number;
  processName: string;
  cmdline: string;
  service?: { vip: string; port: number; targetPort: number; protocol: 'tcp' | 'udp' };
}

/** Who calls whom: a client workload, a Service (or the internet) and the bytes per request. */
export interface CallSpec {
  client: string; // workload name, or 'internet'
  server: string; // workload name, or 'internet'
  weight: number;
  requestBytes: number;
  responseBytes: number;
}

const WORKLOADS: readonly WorkloadSpec[] = [
  { name: 'frontend', namespace: 'shop', replicas: 2, processName: 'nginx', cmdline: 'nginx: worker process', service: { vip: '10.96.12.40', port: 80, targetPort: 8080, protocol: 'tcp' } },
  { name: 'api', namespace: 'shop', replicas: 3, processName: 'node', cmdline: 'node server.js --db-url=postgres://api:s3cret-pw@db.shop:5432/shop', service: { vip: '10.96.20.11', port: 80, targetPort: 3000, protocol: 'tcp' } },
  { name: 'db', namespace: 'shop', replicas: 1, processName: 'postgres', cmdline: 'postgres -D /var/lib/postgresql/data', service: { vip: '10.96.30.5', port: 5432, targetPort: 5432, protocol: 'tcp' } },
  { name: 'cache', namespace: 'shop', replicas: 1, processName: 'redis-server', cmdline: 'redis-server *:6379 --requirepass hunter2', service: { vip: '10.96.30.9', port: 6379, targetPort: 6379, protocol: 'tcp' } },
  { name: 'coredns', namespace: 'kube-system', replicas: 2, processName: 'coredns', cmdline: '/coredns -conf /etc/coredns/Corefile', service: { vip: '10.96.0.10', port: 53, targetPort: 53, protocol: 'udp' } },
  { name: 'worker', namespace: 'shop', replicas: 2, processName: 'python3', cmdline: 'python3 worker.py --queue=orders --api-token=tok_live_8f2a9c' },
];

export const CALLS: readonly CallSpec[] = [
  { client: 'internet', server: 'frontend', weight: 3, requestBytes: 600, responseBytes: 24_000 },
  { client: 'frontend', server: 'api', weight: 4, requestBytes: 800, responseBytes: 12_000 },
  { client: 'api', server: 'db', weight: 3, requestBytes: 400, responseBytes: 6_000 },
  { client: 'api', server: 'cache', weight: 3, requestBytes: 120, responseBytes: 1_500 },
  { client: 'worker', server: 'api', weight: 1, requestBytes: 2_000, responseBytes: 500 },
  { client: 'frontend', server: 'coredns', weight: 2, requestBytes: 60, responseBytes: 140 },
  { client: 'api', server: 'coredns', weight: 2, requestBytes: 60, responseBytes: 140 },
  { client: 'worker', server: 'coredns', weight: 1, requestBytes: 60, responseBytes: 140 },
  { client: 'worker', server: 'internet', weight: 1, requestBytes: 3_000, responseBytes: 45_000 },
];

/** Public peers (documentation ranges, so nobody's real address shows up). */
export const INTERNET_PEERS: readonly string[] = ['203.0.113.10', '203.0.113.77', '198.51.100.23', '192.0.2.146'];

export class ClusterModel {
  readonly nodes: SimNode[];
  readonly pods = new Map<string, SimPod[]>();
  readonly services = new Map<string, SimService>();

  constructor(nodeCount: number, prng: Prng) {
    this.nodes = Array.from({ length: nodeCount }, (_, i) => ({ name: `node-${i + 1}`, ip: `10.0.0.${10 + i}` }));
    const nextHost = new Map<string, number>();
    let placement = 0;
    for (const spec of WORKLOADS) {
      const pods: SimPod[] = [];
      for (let r = 0; r < spec.replicas; r++) {
        const nodeIndex = placement++ % this.nodes.length;
        const node = this.nodes[nodeIndex]!;
        const host = (nextHost.get(node.name) ?? 1) + 1;
        nextHost.set(node.name, host);
        pods.push({
          name: `${spec.name}-${prng.hex(5)}`,
          namespace: spec.namespace,
          node,
          ip: `10.244.${nodeIndex}.${host}`,
          pid: prng.int(1000, 60_000),
          processName: spec.processName,
          cmdline: spec.cmdline,
          containerId: prng.hex(64),
        });
      }
      this.pods.set(spec.name, pods);
      if (spec.service) this.services.set(spec.name, { name: spec.name, ...spec.service, pods });
    }
  }
}
