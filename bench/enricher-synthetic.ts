/**
 * A synthetic cluster for the enricher benchmark: a kubemeta view of many pods,
 * nodes and services (in metadata-sync's record formats) and joined flows
 * between random pods, some through a Service VIP, some to external addresses.
 */
import type { JoinedFlow } from '@flowmesh/lib';
import { sampleHalf } from '@flowmesh/lib/testing';
import { viewKeyName, type IpInterval, type NodeRecord, type PodRecord, type ServiceRecord, type ViewKeyName } from '@flowmesh/lib';

export interface SyntheticCluster {
  view: Map<ViewKeyName, unknown>;
  pods: { ip: string; containerId: string; node: string }[];
  serviceIps: string[];
}

const T0 = 1_763_700_000_000;

export function syntheticCluster(podCount: number, nodeCount: number, serviceCount: number): SyntheticCluster {
  const view = new Map<ViewKeyName, unknown>();
  const interval = (kind: IpInterval['kind'], namespace: string | null, name: string, uid: string): IpInterval[] => [
    { kind, namespace, name, uid, from: T0 - 86_400_000, to: null, hostNetwork: false },
  ];
  for (let n = 0; n < nodeCount; n++) {
    const name = `node-${n}`;
    const ip = `192.168.${n >> 8}.${n & 255}`;
    const record: NodeRecord = {
      uid: `uid-${name}`, name, zone: `zone-${n % 3}`, region: null, addresses: [{ type: 'InternalIP', address: ip }],
      podCIDRs: [], labels: { 'topology.kubernetes.io/zone': `zone-${n % 3}` }, createdAt: T0 - 86_400_000, deletedAt: null,
    };
    view.set(viewKeyName('node', name), [record]);
    view.set(viewKeyName('ip', ip), interval('node', null, name, record.uid));
  }
  const serviceIps: string[] = [];
  for (let s = 0; s < serviceCount; s++) {
    const name = `svc-${s}`;
    const ip = `10.96.${s >> 8}.${s & 255}`;
    const record: ServiceRecord = {
      uid: `uid-${name}`, namespace: 'bench', name, type: 'ClusterIP', clusterIPs: [ip], externalIPs: [], loadBalancerIPs: [],
      selector: { app: `app-${s}` }, ports: [], labels: { app: `app-${s}` }, createdAt: T0 - 86_400_000, deletedAt: null,
    };
    view.set(viewKeyName('svc', `bench/${name}`), [record]);
    view.set(viewKeyName('ip', ip), interval('service', 'bench', name, record.uid));
    serviceIps.push(ip);
  }
  const pods: SyntheticCluster['pods'] = [];
  for (let p = 0; p < podCount; p++) {
    const name = `pod-${p}`;
    const ip = `10.244.${p >> 8}.${p & 255}`;
    const node = `node-${p % nodeCount}`;
    const containerId = p.toString(16).padStart(64, 'c');
    const app = `app-${p % serviceCount}`;
    const record: PodRecord = {
      uid: `uid-${name}`, namespace: 'bench', name, node, ips: [ip], hostNetwork: false, phase: 'Running',
      labels: { app, 'pod-template-hash': 'abc123' }, workload: { kind: 'Deployment', name: app }, controller: { kind: 'ReplicaSet', name: `${app}-abc123` },
      services: [`svc-${p % serviceCount}`], containers: [{ id: containerId, name: 'main' }],
      createdAt: T0 - 86_400_000, ipFrom: T0 - 86_400_000, ipTo: null, deletedAt: null,
    };
    view.set(viewKeyName('pod', `bench/${name}`), [record]);
    view.set(viewKeyName('ctr', containerId), { namespace: 'bench', pod: name, podUid: record.uid, container: 'main', deletedAt: null });
    view.set(viewKeyName('ip', ip), interval('pod', 'bench', name, record.uid));
    pods.push({ ip, containerId, node });
  }
  return { view, pods, serviceIps };
}

/** Deterministic flows: 80 % pod → pod (a quarter of them through a VIP), 20 % pod → external. */
export function syntheticFlows(cluster: SyntheticCluster, count: number, seed = 1): JoinedFlow[] {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  const flows: JoinedFlow[] = [];
  for (let i = 0; i < count; i++) {
    const client = cluster.pods[random(cluster.pods.length)]!;
    const server = cluster.pods[random(cluster.pods.length)]!;
    const external = random(5) === 0;
    const viaService = !external && random(4) === 0;
    const port = 30_000 + (i % 30_000);
    const serverIp = external ? `203.0.${random(256)}.${random(256)}` : server.ip;
    const half = sampleHalf({ node: client.node, client_ip: client.ip, client_port: port, server_ip: serverIp, server_port: 443, window_start: T0, window_end: T0 + 10_000, container_id: client.containerId });
    flows.push({
      half,
      match: external ? 'EXTERNAL' : 'MATCHED',
      src: { ip: client.ip, port, node: client.node, pid: 4242, process_name: 'client', cmdline: 'client --serve', container_id: client.containerId },
      dst: external
        ? { ip: serverIp, port: 443, node: null, pid: null, process_name: null, cmdline: null, container_id: null }
        : { ip: server.ip, port: 443, node: server.node, pid: 77, process_name: 'server', cmdline: 'server', container_id: server.containerId },
      service_ip: viaService ? cluster.serviceIps[random(cluster.serviceIps.length)]! : null,
      service_port: viaService ? 443 : null,
    });
  }
  return flows;
}
