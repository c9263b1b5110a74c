/**
 * One small cluster, described once as the kubemeta view metadata-sync writes,
 * served by the in-memory source in unit tests and written to Redis (through
 * metadata-sync's writer) in integration tests,
 * plus the joined flows that exercise each way an address resolves.
 */
import type { Endpoint, JoinedFlow } from '@flowmesh/lib';
import { sampleHalf } from '@flowmesh/lib/testing';
import { compareIntervals, viewKeyName, type IpInterval, type NodeRecord, type PodRecord, type ServiceRecord, type ViewKeyName } from '@flowmesh/lib';
import { namespacedKey } from '../../src/metadata/source.js';

/** The flows' window starts here; every pod below was created an hour before unless said otherwise. */
export const T0 = 1_763_700_000_000;
const HOUR = 3_600_000;

export interface FixtureNode {
  name: string;
  ip: string;
  labels: Record<string, string>;
}
export interface FixturePod {
  namespace: string;
  name: string;
  ip: string;
  node: string;
  hostNetwork: boolean;
  labels: Record<string, string>;
  workload: { kind: string; name: string } | null;
  /** Services routing to the pod. */
  services: string[];
  containers: { id: string; name: string }[];
  from: number;
  to: number | null;
}
export interface FixtureService {
  namespace: string;
  name: string;
  ip: string;
  labels: Record<string, string>;
}

export const NODES: FixtureNode[] = [
  { name: 'node-a', ip: '192.168.50.10', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
  { name: 'node-b', ip: '192.168.50.11', labels: { 'topology.kubernetes.io/zone': 'zone-b' } },
];

export const CONTAINER = {
  client: 'c0ffee0000000000000000000000000000000000000000000000000000000001',
  web: 'c0ffee0000000000000000000000000000000000000000000000000000000002',
  exporter: 'c0ffee0000000000000000000000000000000000000000000000000000000003',
  unknown: 'deadbeef00000000000000000000000000000000000000000000000000000009',
};

export const PODS: FixturePod[] = [
  {
    namespace: 'shop', name: 'client-7d9f-x2', ip: '10.244.1.7', node: 'node-a', hostNetwork: false,
    labels: { app: 'client' }, workload: { kind: 'Deployment', name: 'client' }, services: [],
    containers: [{ id: CONTAINER.client, name: 'curl' }], from: T0 - HOUR, to: null,
  },
  {
    namespace: 'shop', name: 'web-5c6b-q8', ip: '10.244.2.9', node: 'node-b', hostNetwork: false,
    labels: { app: 'web', tier: 'frontend' }, workload: { kind: 'Deployment', name: 'web' }, services: ['web'],
    containers: [{ id: CONTAINER.web, name: 'nginx' }], from: T0 - HOUR, to: null,
  },
  {
    namespace: 'monitoring', name: 'node-exporter-abcde', ip: '192.168.50.10', node: 'node-a', hostNetwork: true,
    labels: { app: 'node-exporter' }, workload: { kind: 'DaemonSet', name: 'node-exporter' }, services: [],
    containers: [{ id: CONTAINER.exporter, name: 'exporter' }], from: T0 - HOUR, to: null,
  },
  // 10.244.3.5 is reused: first by a CronJob's pod, then by a StatefulSet's.
  {
    namespace: 'batch', name: 'report-28512340-zz9', ip: '10.244.3.5', node: 'node-b', hostNetwork: false,
    labels: { job: 'report' }, workload: { kind: 'CronJob', name: 'report' }, services: [],
    containers: [], from: T0 - HOUR, to: T0 - HOUR / 2,
  },
  {
    namespace: 'batch', name: 'queue-0', ip: '10.244.3.5', node: 'node-b', hostNetwork: false,
    labels: { app: 'queue' }, workload: { kind: 'StatefulSet', name: 'queue' }, services: [],
    containers: [], from: T0 - HOUR / 2 + 1000, to: null,
  },
];

export const SERVICES: FixtureService[] = [{ namespace: 'shop', name: 'web', ip: '10.96.0.20', labels: { app: 'web' } }];

/**
 * The view metadata-sync would write for this cluster: key name → value, in the
 * record formats of lib/src/kubemeta/records.ts.
 */
export function fixtureView(): Map<ViewKeyName, unknown> {
  const view = new Map<ViewKeyName, unknown>();
  const intervals = new Map<string, IpInterval[]>();
  const hold = (ip: string, interval: IpInterval) => intervals.set(ip, [...(intervals.get(ip) ?? []), interval].sort(compareIntervals));
  const since = T0 - 10 * HOUR;

  for (const node of NODES) {
    const uid = `uid-node-${node.name}`;
    const record: NodeRecord = {
      uid, name: node.name, zone: node.labels['topology.kubernetes.io/zone'] ?? null, region: null,
      addresses: [{ type: 'InternalIP', address: node.ip }], podCIDRs: [], labels: node.labels, createdAt: since, deletedAt: null,
    };
    view.set(viewKeyName('node', node.name), [record]);
    hold(node.ip, { kind: 'node', namespace: null, name: node.name, uid, from: since, to: null, hostNetwork: false });
  }
  for (const pod of PODS) {
    const uid = `uid-pod-${pod.namespace}-${pod.name}`;
    const record: PodRecord = {
      uid, namespace: pod.namespace, name: pod.name, node: pod.node, ips: [pod.ip], hostNetwork: pod.hostNetwork, phase: 'Running',
      labels: pod.labels, workload: pod.workload, controller: pod.workload, services: pod.services, containers: pod.containers,
      createdAt: pod.from, ipFrom: pod.from, ipTo: null, deletedAt: pod.to,
    };
    view.set(viewKeyName('pod', namespacedKey(pod.namespace, pod.name)), [record]);
    for (const c of pod.containers) {
      view.set(viewKeyName('ctr', c.id), { namespace: pod.namespace, pod: pod.name, podUid: uid, container: c.name, deletedAt: pod.to });
    }
    hold(pod.ip, { kind: 'pod', namespace: pod.namespace, name: pod.name, uid, from: pod.from, to: pod.to, hostNetwork: pod.hostNetwork });
  }
  for (const service of SERVICES) {
    const uid = `uid-svc-${service.namespace}-${service.name}`;
    const record: ServiceRecord = {
      uid, namespace: service.namespace, name: service.name, type: 'ClusterIP', clusterIPs: [service.ip], externalIPs: [], loadBalancerIPs: [],
      selector: service.labels, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: null }],
      labels: service.labels, createdAt: since, deletedAt: null,
    };
    view.set(viewKeyName('svc', namespacedKey(service.namespace, service.name)), [record]);
    hold(service.ip, { kind: 'service', namespace: service.namespace, name: service.name, uid, from: since, to: null, hostNetwork: false });
  }
  for (const [ip, list] of intervals) view.set(viewKeyName('ip', ip), list);
  return view;
}

function endpoint(ip: string, port: number, extra: Partial<Endpoint> = {}): Endpoint {
  return { ip, port, node: null, pid: null, process_name: null, cmdline: null, container_id: null, ...extra };
}

/** A joined flow reported by the client end, with the window at `at`. */
export function flow(src: Endpoint, dst: Endpoint, extra: Partial<JoinedFlow> = {}, at = T0): JoinedFlow {
  const half = sampleHalf({
    node: src.node ?? 'node-a', client_ip: src.ip, client_port: src.port, server_ip: dst.ip, server_port: dst.port,
    window_start: at, window_end: at + 10_000, container_id: src.container_id,
  });
  return { half, match: 'MATCHED', src, dst, service_ip: null, service_port: null, ...extra };
}

/** The flows of the scenarios, by name. */
export const FLOWS = {
  podToPod: flow(
    endpoint('10.244.1.7', 43512, { node: 'node-a', pid: 4242, process_name: 'curl', cmdline: 'curl web', container_id: CONTAINER.client }),
    endpoint('10.244.2.9', 8080, { node: 'node-b', pid: 77, process_name: 'nginx', cmdline: 'nginx: worker', container_id: CONTAINER.web }),
  ),
  /** The client's half of a call to a Service VIP, no peer seen: dst is the VIP. */
  podToServiceVip: flow(
    endpoint('10.244.1.7', 43514, { node: 'node-a', pid: 4242, process_name: 'curl', container_id: CONTAINER.client }),
    endpoint('10.96.0.20', 80),
    { match: 'PEER_MISSING', service_ip: '10.96.0.20', service_port: 80 },
  ),
  /** Matched through a Service: dst is the backend pod, the VIP is in service_ip. */
  podViaService: flow(
    endpoint('10.244.1.7', 43516, { node: 'node-a', container_id: CONTAINER.client }),
    endpoint('10.244.2.9', 8080, { node: 'node-b', container_id: CONTAINER.web }),
    { service_ip: '10.96.0.20', service_port: 80 },
  ),
  hostNetworkPod: flow(
    endpoint('192.168.50.10', 51000, { node: 'node-a', pid: 900, process_name: 'node_exporter', container_id: CONTAINER.exporter }),
    endpoint('10.244.2.9', 8080, { node: 'node-b', container_id: CONTAINER.web }),
  ),
  /** A host process (kubelet) on node-a calling a pod. */
  nodeToPod: flow(
    endpoint('192.168.50.10', 52000, { node: 'node-a', pid: 1, process_name: 'kubelet' }),
    endpoint('10.244.2.9', 8080, { node: 'node-b', container_id: CONTAINER.web }),
  ),
  podToExternal: flow(
    endpoint('10.244.1.7', 43600, { node: 'node-a', container_id: CONTAINER.client }),
    endpoint('203.0.113.80', 443),
    { match: 'EXTERNAL' },
  ),
  reusedIpEarly: flow(endpoint('10.244.3.5', 40000), endpoint('10.244.2.9', 8080, { node: 'node-b' }), {}, T0 - HOUR + 60_000),
  reusedIpLate: flow(endpoint('10.244.3.5', 40000), endpoint('10.244.2.9', 8080, { node: 'node-b' }), {}, T0),
  /** A pod the view has never heard of, and a container id it does not know. */
  missingMetadata: flow(
    endpoint('10.244.9.99', 40100, { node: 'node-b', container_id: CONTAINER.unknown }),
    endpoint('10.244.2.9', 8080, { node: 'node-b', container_id: CONTAINER.web }),
  ),
} satisfies Record<string, JoinedFlow>;
