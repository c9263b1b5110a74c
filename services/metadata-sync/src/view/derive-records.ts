/**
 * Pure functions from Kubernetes objects to the records of the kubemeta view,
 * and from records to the address intervals they contribute. Given the same
 * objects they give the same records, byte for byte once serialized, which is
 * what makes writes idempotent and resyncs free of churn.
 */
import type { V1ContainerStatus, V1Namespace, V1Node, V1OwnerReference, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  type ContainerRef,
  type IpInterval,
  type NamespaceRecord,
  type NodeRecord,
  type PodRecord,
  type ServiceRecord,
  type WorkloadRef,
  normalizeContainerId,
  normalizeIp,
} from '@flowmesh/lib';
import { controllerRefOf, createdAtOf, labelsOf, maxTime, nameOf, namespaceOf, sortedMap, timeMs, uidOf, uniqueSorted } from './object-fields.js';

export interface OwnerResolution {
  workload: WorkloadRef | null;
  controller: WorkloadRef | null;
}

/** What a pod record needs beyond the pod itself. */
export interface PodContext {
  resolveOwner(namespace: string, controller: V1OwnerReference | undefined): OwnerResolution;
  servicesOf(namespace: string, podName: string, labels: Record<string, string>): string[];
}

/** metadata.deletionTimestamp is set: the object is going away (graceful termination, finalizers); tombstones say false. */
function deletionRequested(object: V1Pod | V1Node): boolean {
  return !!object.metadata?.deletionTimestamp;
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

export function podIps(pod: V1Pod): string[] {
  const listed = (pod.status?.podIPs ?? []).map((entry) => entry.ip);
  return uniqueSorted([...listed, pod.status?.podIP].filter((ip): ip is string => !!ip).map(normalizeIp));
}

function allContainerStatuses(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
}

export function podContainers(pod: V1Pod): ContainerRef[] {
  const byId = new Map<string, string>();
  for (const status of allContainerStatuses(pod)) {
    for (const id of [status.containerID, status.lastState?.terminated?.containerID]) {
      if (id) byId.set(normalizeContainerId(id), status.name);
    }
  }
  return [...byId].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, name]) => ({ id, name }));
}

/** When the sandbox network came up (PodReadyToStartContainers), else the kubelet's start time, else creation. */
function addressesSince(pod: V1Pod): number {
  const networkReady = pod.status?.conditions?.find((c) => c.type === 'PodReadyToStartContainers' && c.status === 'True');
  return timeMs(networkReady?.lastTransitionTime) ?? timeMs(pod.status?.startTime) ?? createdAtOf(pod);
}

/** A finished pod's sandbox is gone, and with it the address: when its last container stopped. */
function addressesReleasedAt(pod: V1Pod, since: number): number | null {
  if (!TERMINAL_PHASES.has(pod.status?.phase ?? '')) return null;
  const finished = maxTime(allContainerStatuses(pod).map((s) => timeMs(s.state?.terminated?.finishedAt)));
  return finished ?? maxTime((pod.status?.conditions ?? []).map((c) => timeMs(c.lastTransitionTime))) ?? since;
}

export function podRecord(pod: V1Pod, context: PodContext, deletedAt: number | null): PodRecord {
  const namespace = namespaceOf(pod);
  const labels = labelsOf(pod);
  const ips = podIps(pod);
  const ipFrom = ips.length ? addressesSince(pod) : null;
  const { workload, controller } = context.resolveOwner(namespace, controllerRefOf(pod));
  return {
    uid: uidOf(pod),
    namespace,
    name: nameOf(pod),
    node: pod.spec?.nodeName ?? null,
    ips,
    hostNetwork: pod.spec?.hostNetwork === true,
    phase: pod.status?.phase ?? null,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    labels,
    workload,
    controller,
    services: context.servicesOf(namespace, nameOf(pod), labels),
    containers: podContainers(pod),
    createdAt: createdAtOf(pod),
    ipFrom,
    ipTo: ipFrom === null ? null : addressesReleasedAt(pod, ipFrom),
    deleting: deletedAt === null && deletionRequested(pod),
    deletedAt,
  };
}

export function serviceRecord(service: V1Service, deletedAt: number | null): ServiceRecord {
  const spec = service.spec;
  const clusterIPs = (spec?.clusterIPs?.length ? spec.clusterIPs : [spec?.clusterIP]).filter((ip): ip is string => !!ip && ip !== 'None');
  const selector = spec?.selector && Object.keys(spec.selector).length ? sortedMap(spec.selector) : null;
  return {
    uid: uidOf(service),
    namespace: namespaceOf(service),
    name: nameOf(service),
    type: spec?.type ?? 'ClusterIP',
    clusterIPs: clusterIPs.map(normalizeIp),
    externalIPs: uniqueSorted((spec?.externalIPs ?? []).map(normalizeIp)),
    loadBalancerIPs: uniqueSorted((service.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [normalizeIp(i.ip)] : []))),
    selector,
    ports: (spec?.ports ?? []).map((p) => ({
      name: p.name ?? null,
      protocol: p.protocol ?? 'TCP',
      port: p.port,
      targetPort: (p.targetPort as number | string | undefined) ?? null,
      nodePort: p.nodePort ?? null,
    })),
    labels: labelsOf(service),
    createdAt: createdAtOf(service),
    deletedAt,
  };
}

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

export function nodeRecord(node: V1Node, deletedAt: number | null): NodeRecord {
  const labels = labelsOf(node);
  const firstLabel = (names: string[]) => names.map((n) => labels[n]).find((v) => v !== undefined) ?? null;
  const addresses = (node.status?.addresses ?? [])
    .map((a) => ({ type: a.type, address: a.type.endsWith('IP') ? normalizeIp(a.address) : a.address }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.address.localeCompare(b.address));
  return {
    uid: uidOf(node),
    name: nameOf(node),
    zone: firstLabel(ZONE_LABELS),
    region: firstLabel(REGION_LABELS),
    addresses,
    podCIDRs: node.spec?.podCIDRs?.length ? [...node.spec.podCIDRs] : node.spec?.podCIDR ? [node.spec.podCIDR] : [],
    labels,
    createdAt: createdAtOf(node),
    deleting: deletedAt === null && deletionRequested(node),
    deletedAt,
  };
}

export function namespaceRecord(namespace: V1Namespace, deletedAt: number | null): NamespaceRecord {
  return { uid: uidOf(namespace), name: nameOf(namespace), labels: labelsOf(namespace), createdAt: createdAtOf(namespace), deletedAt };
}

export type ViewRecord =
  | { type: 'pod'; record: PodRecord }
  | { type: 'svc'; record: ServiceRecord }
  | { type: 'node'; record: NodeRecord }
  | { type: 'ns'; record: NamespaceRecord };

/** The name-key id of a record: `namespace/name` for pods and services, the name otherwise. */
export function recordId(view: ViewRecord): string {
  return view.type === 'pod' || view.type === 'svc' ? `${view.record.namespace}/${view.record.name}` : view.record.name;
}

function closedAt(from: number, ...ends: (number | null)[]): number | null {
  const present = ends.filter((e): e is number => e !== null);
  return present.length ? Math.max(from, Math.min(...present)) : null;
}

/** The address intervals a record contributes, keyed by address. */
export function intervalsOf(view: ViewRecord): Map<string, IpInterval> {
  const out = new Map<string, IpInterval>();
  if (view.type === 'pod') {
    const pod = view.record;
    if (pod.ipFrom === null) return out;
    const to = closedAt(pod.ipFrom, pod.ipTo, pod.deletedAt);
    for (const ip of pod.ips) {
      out.set(ip, { kind: 'pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, from: pod.ipFrom, to, hostNetwork: pod.hostNetwork });
    }
  } else if (view.type === 'svc') {
    const svc = view.record;
    const to = closedAt(svc.createdAt, svc.deletedAt);
    for (const ip of uniqueSorted([...svc.clusterIPs, ...svc.externalIPs, ...svc.loadBalancerIPs])) {
      out.set(ip, { kind: 'service', namespace: svc.namespace, name: svc.name, uid: svc.uid, from: svc.createdAt, to, hostNetwork: false });
    }
  } else if (view.type === 'node') {
    const node = view.record;
    const to = closedAt(node.createdAt, node.deletedAt);
    for (const { type, address } of node.addresses) {
      if (type === 'InternalIP' || type === 'ExternalIP') {
        out.set(address, { kind: 'node', namespace: null, name: node.name, uid: node.uid, from: node.createdAt, to, hostNetwork: false });
      }
    }
  }
  return out;
}
