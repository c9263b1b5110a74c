/**
 * Values stored in the kubemeta view (JSON). Times are ms since the epoch.
 * Object keys (pod, svc, node, ns) hold an array of *incarnations*, newest
 * first: a pod deleted and recreated under the same name (a StatefulSet pod)
 * keeps its old incarnation as a tombstone (`deletedAt` set) until the
 * retention passes, so late flows still resolve to the right one by uid.
 */

export interface WorkloadRef {
  kind: string;
  name: string;
}

export interface ContainerRef {
  /** Without the runtime scheme (see normalizeContainerId). */
  id: string;
  name: string;
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  node: string | null;
  /** Every address of the pod (dual stack: both); empty before the network is set up. */
  ips: string[];
  hostNetwork: boolean;
  phase: string | null;
  /** The pod's Ready condition is True (absent in records written before it was added: unknown). */
  ready?: boolean;
  labels: Record<string, string>;
  /** The top owner: Deployment (via its ReplicaSet), StatefulSet, DaemonSet, CronJob (via its Job), Job, ...; null for a bare pod. */
  workload: WorkloadRef | null;
  /** The direct controller (e.g. the ReplicaSet); null for a bare pod. */
  controller: WorkloadRef | null;
  /** Services in the pod's namespace that route to it (selector match or EndpointSlice target), sorted. */
  services: string[];
  /** Current and previous (last terminated) containers, init and ephemeral ones included. */
  containers: ContainerRef[];
  createdAt: number;
  /** When the pod got its addresses (sandbox network ready, else start time, else creation); null without addresses. */
  ipFrom: number | null;
  /** When a finished pod (Succeeded/Failed) released its addresses; null while it holds them. */
  ipTo: number | null;
  /** Deletion was requested (metadata.deletionTimestamp): the pod is terminating. Absent in older records: false. */
  deleting?: boolean;
  /** Set on tombstones. */
  deletedAt: number | null;
}

export interface ServicePort {
  name: string | null;
  protocol: string;
  port: number;
  targetPort: number | string | null;
  nodePort: number | null;
}

export interface ServiceRecord {
  uid: string;
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** null for a service without selector (endpoints managed by hand or by a controller). */
  selector: Record<string, string> | null;
  ports: ServicePort[];
  labels: Record<string, string>;
  createdAt: number;
  deletedAt: number | null;
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeRecord {
  uid: string;
  name: string;
  /** topology.kubernetes.io/zone (or the deprecated failure-domain label). */
  zone: string | null;
  region: string | null;
  addresses: NodeAddress[];
  podCIDRs: string[];
  labels: Record<string, string>;
  createdAt: number;
  /** Deletion was requested (metadata.deletionTimestamp, finalizers still running). Absent in older records: false. */
  deleting?: boolean;
  deletedAt: number | null;
}

export interface NamespaceRecord {
  uid: string;
  name: string;
  labels: Record<string, string>;
  createdAt: number;
  deletedAt: number | null;
}

export interface ContainerRecord {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  /** Set when the pod is a tombstone. */
  deletedAt: number | null;
}

export type OwnerKind = 'pod' | 'service' | 'node';

/** One period during which an address belonged to one holder. */
export interface IpInterval {
  kind: OwnerKind;
  /** null for nodes. */
  namespace: string | null;
  name: string;
  uid: string;
  /** Inclusive. */
  from: number;
  /** Exclusive; null while the holder still has the address. */
  to: number | null;
  /** A host-network pod shares its node's address; it only wins a lookup when nothing else held the address. */
  hostNetwork: boolean;
}

/** The `meta` key: which replica writes and when it last completed a full sync. */
export interface ViewMeta {
  schema: number;
  writer: string;
  syncedAt: number | null;
  updatedAt: number;
}

export interface HasIncarnation {
  uid: string;
  createdAt: number;
  deletedAt: number | null;
}

/** The incarnation with `uid` when given and present, else the newest. */
export function pickIncarnation<R extends HasIncarnation>(records: readonly R[] | undefined, uid?: string): R | null {
  if (!records?.length) return null;
  return (uid !== undefined ? records.find((r) => r.uid === uid) : undefined) ?? records[0]!;
}

/** Newest first: live before tombstones, then by creation time (uid breaks ties so the order is stable). */
export function compareIncarnations(a: HasIncarnation, b: HasIncarnation): number {
  const liveA = a.deletedAt === null ? 1 : 0;
  const liveB = b.deletedAt === null ? 1 : 0;
  return liveB - liveA || b.createdAt - a.createdAt || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
}

/** Stable storage order of an address's intervals: by start, then holder. */
export function compareIntervals(a: IpInterval, b: IpInterval): number {
  return a.from - b.from || a.kind.localeCompare(b.kind) || a.uid.localeCompare(b.uid);
}

/**
 * The holder of an address at `atMs`. Among intervals containing the time,
 * holders other than host-network pods win, then the latest start (a reused
 * address belongs to its newest holder from that holder's start on). When no
 * interval contains the time, the nearest one within `toleranceMs` answers,
 * which absorbs clock skew between nodes and the API server.
 */
export function selectInterval(intervals: readonly IpInterval[], atMs: number, toleranceMs = 0): IpInterval | null {
  let best: IpInterval | null = null;
  for (const interval of intervals) {
    if (interval.from > atMs || (interval.to !== null && interval.to <= atMs)) continue;
    if (!best || outranks(interval, best)) best = interval;
  }
  if (best || toleranceMs <= 0) return best;
  let nearestDistance = Infinity;
  for (const interval of intervals) {
    const distance = interval.from > atMs ? interval.from - atMs : atMs - (interval.to ?? atMs) + 1;
    if (distance <= toleranceMs && (distance < nearestDistance || (distance === nearestDistance && best && outranks(interval, best)))) {
      best = interval;
      nearestDistance = distance;
    }
  }
  return best;
}

function outranks(a: IpInterval, b: IpInterval): boolean {
  if (a.hostNetwork !== b.hostNetwork) return !a.hostNetwork;
  if (a.from !== b.from) return a.from > b.from;
  return (a.to ?? Infinity) > (b.to ?? Infinity);
}
