/**
 * An independent statement of what the kubemeta view must hold, computed
 * straight from Kubernetes objects (live ones, and deleted ones with their
 * deletion time) following docs/kubemeta.md. The consistency test compares
 * Redis against it; it deliberately shares no derivation code with the service.
 */
import type { KubeObject } from '../../src/standin/index.js';

type Json = Record<string, any>;
export type RecordType = 'pod' | 'svc' | 'node' | 'ns';
export interface ModelRecord {
  type: RecordType;
  record: Json;
}

/** What a pod's record depends on besides the pod: owners (live and deleted-but-observed), live services and slices. */
export interface ModelDeps {
  ownerControllers: Map<string, { kind: string; name: string } | null>;
  services: KubeObject[];
  slices: KubeObject[];
}

const time = (value: unknown): number | null => (typeof value === 'string' && value ? Date.parse(value) : null);
const sortKeys = (map: Json | undefined): Json => Object.fromEntries(Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
const latest = (values: (number | null)[]): number | null => values.reduce<number | null>((a, v) => (v !== null && (a === null || v > a) ? v : a), null);

function controllerOf(object: KubeObject): { kind: string; name: string } | null {
  const refs = (object.metadata?.['ownerReferences'] as Json[] | undefined) ?? [];
  const ref = refs.find((r) => r['controller']) ?? refs[0];
  return ref ? { kind: ref['kind'], name: ref['name'] } : null;
}

export function ownerKeyOf(kind: string, namespace: string, name: string): string {
  return `${kind}|${namespace}|${name}`;
}

export function podModel(pod: KubeObject, deps: ModelDeps): Json {
  const status = (pod['status'] ?? {}) as Json;
  const spec = (pod['spec'] ?? {}) as Json;
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const labels = sortKeys(pod.metadata!.labels);
  const ips = [...new Set([status['podIP'], ...((status['podIPs'] as Json[] | undefined) ?? []).map((p) => p['ip'])].filter(Boolean))].sort() as string[];
  const conditions = (status['conditions'] as Json[] | undefined) ?? [];
  const statuses = [...(status['initContainerStatuses'] ?? []), ...(status['containerStatuses'] ?? []), ...(status['ephemeralContainerStatuses'] ?? [])] as Json[];
  const network = conditions.find((c) => c['type'] === 'PodReadyToStartContainers' && c['status'] === 'True');
  const ipFrom = ips.length ? (time(network?.['lastTransitionTime']) ?? time(status['startTime']) ?? time(pod.metadata!.creationTimestamp)) : null;
  let ipTo: number | null = null;
  if (ipFrom !== null && (status['phase'] === 'Succeeded' || status['phase'] === 'Failed')) {
    ipTo = latest(statuses.map((s) => time(s['state']?.['terminated']?.['finishedAt']))) ?? latest(conditions.map((c) => time(c['lastTransitionTime']))) ?? ipFrom;
  }
  const controller = controllerOf(pod);
  let workload = controller;
  for (let hops = 0; workload && hops < 8; hops += 1) {
    const next = deps.ownerControllers.get(ownerKeyOf(workload.kind, namespace, workload.name));
    if (!next) break;
    workload = next;
  }
  const services = new Set<string>();
  for (const service of deps.services) {
    const selector = (service['spec'] as Json | undefined)?.['selector'] as Json | undefined;
    if (service.metadata!.namespace !== namespace || !selector || !Object.keys(selector).length) continue;
    if (Object.entries(selector).every(([k, v]) => labels[k] === v)) services.add(service.metadata!.name!);
  }
  for (const slice of deps.slices) {
    const serviceName = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!serviceName) continue;
    for (const endpoint of (slice['endpoints'] as Json[] | undefined) ?? []) {
      const target = endpoint['targetRef'];
      if (target?.kind === 'Pod' && target.name === name && (target.namespace ?? slice.metadata!.namespace) === namespace) services.add(serviceName);
    }
  }
  const containers = new Map<string, string>();
  for (const s of statuses) {
    for (const id of [s['containerID'], s['lastState']?.['terminated']?.['containerID']]) {
      if (id) containers.set(String(id).replace(/^[a-z-]+:\/\//, ''), s['name']);
    }
  }
  return {
    uid: pod.metadata!.uid,
    namespace,
    name,
    node: spec['nodeName'] ?? null,
    ips,
    hostNetwork: spec['hostNetwork'] === true,
    phase: status['phase'] ?? null,
    ready: ((status['conditions'] as Json[] | undefined) ?? []).some((c) => c['type'] === 'Ready' && c['status'] === 'True'),
    labels,
    workload,
    controller,
    services: [...services].sort(),
    containers: [...containers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, cname]) => ({ id, name: cname })),
    createdAt: time(pod.metadata!.creationTimestamp),
    ipFrom,
    ipTo,
    deleting: !!pod.metadata!.deletionTimestamp,
    deletedAt: null,
  };
}

export function serviceModel(service: KubeObject): Json {
  const spec = (service['spec'] ?? {}) as Json;
  const clusterIPs = ((spec['clusterIPs'] as string[] | undefined)?.length ? spec['clusterIPs'] : [spec['clusterIP']]).filter((ip: string) => ip && ip !== 'None');
  const selector = spec['selector'] && Object.keys(spec['selector']).length ? sortKeys(spec['selector']) : null;
  return {
    uid: service.metadata!.uid,
    namespace: service.metadata!.namespace,
    name: service.metadata!.name,
    type: spec['type'] ?? 'ClusterIP',
    clusterIPs,
    externalIPs: [...(spec['externalIPs'] ?? [])].sort(),
    loadBalancerIPs: [],
    selector,
    ports: ((spec['ports'] as Json[] | undefined) ?? []).map((p) => ({ name: p['name'] ?? null, protocol: p['protocol'] ?? 'TCP', port: p['port'], targetPort: p['targetPort'] ?? null, nodePort: p['nodePort'] ?? null })),
    labels: sortKeys(service.metadata!.labels),
    createdAt: time(service.metadata!.creationTimestamp),
    deletedAt: null,
  };
}

export function nodeModel(node: KubeObject): Json {
  const labels = sortKeys(node.metadata!.labels);
  const addresses = (((node['status'] as Json | undefined)?.['addresses'] as Json[] | undefined) ?? [])
    .map((a) => ({ type: a['type'], address: a['address'] }))
    .sort((a, b) => (a.type + a.address < b.type + b.address ? -1 : 1));
  return {
    uid: node.metadata!.uid,
    name: node.metadata!.name,
    zone: labels['topology.kubernetes.io/zone'] ?? null,
    region: labels['topology.kubernetes.io/region'] ?? null,
    addresses,
    podCIDRs: [],
    labels,
    createdAt: time(node.metadata!.creationTimestamp),
    deleting: !!node.metadata!.deletionTimestamp,
    deletedAt: null,
  };
}

export function namespaceModel(namespace: KubeObject): Json {
  return { uid: namespace.metadata!.uid, name: namespace.metadata!.name, labels: sortKeys(namespace.metadata!.labels), createdAt: time(namespace.metadata!.creationTimestamp), deletedAt: null };
}

export function recordModel(kind: string, object: KubeObject, deps: ModelDeps): ModelRecord | undefined {
  if (kind === 'Pod') return { type: 'pod', record: podModel(object, deps) };
  if (kind === 'Service') return { type: 'svc', record: serviceModel(object) };
  if (kind === 'Node') return { type: 'node', record: nodeModel(object) };
  if (kind === 'Namespace') return { type: 'ns', record: namespaceModel(object) };
  return undefined;
}

function intervals({ type, record: r }: ModelRecord): [string, Json][] {
  const end = (from: number, ...candidates: (number | null)[]) => {
    const known = candidates.filter((c): c is number => c !== null);
    return known.length ? Math.max(from, Math.min(...known)) : null;
  };
  if (type === 'pod') {
    if (r['ipFrom'] === null) return [];
    const to = end(r['ipFrom'], r['ipTo'], r['deletedAt']);
    return (r['ips'] as string[]).map((ip) => [ip, { kind: 'pod', namespace: r['namespace'], name: r['name'], uid: r['uid'], from: r['ipFrom'], to, hostNetwork: r['hostNetwork'] }]);
  }
  if (type === 'svc') {
    const ips = [...new Set([...r['clusterIPs'], ...r['externalIPs'], ...r['loadBalancerIPs']])];
    return ips.map((ip) => [ip, { kind: 'service', namespace: r['namespace'], name: r['name'], uid: r['uid'], from: r['createdAt'], to: end(r['createdAt'], r['deletedAt']), hostNetwork: false }]);
  }
  if (type === 'node') {
    return (r['addresses'] as Json[])
      .filter((a) => a['type'] === 'InternalIP' || a['type'] === 'ExternalIP')
      .map((a) => [a['address'], { kind: 'node', namespace: null, name: r['name'], uid: r['uid'], from: r['createdAt'], to: end(r['createdAt'], r['deletedAt']), hostNetwork: false }]);
  }
  return [];
}

/** Every key of the view with its value and expiry, from all records (live and tombstoned). */
export function modelView(records: ModelRecord[], retentionMs: number): Map<string, { value: unknown; expireAt: number | null }> {
  const groups = new Map<string, { values: Json[]; owners: Json[] }>();
  const add = (key: string, value: Json, owner: Json) => {
    const group = groups.get(key) ?? { values: [], owners: [] };
    group.values.push(value);
    group.owners.push(owner);
    groups.set(key, group);
  };
  const newestFirst = (a: Json, b: Json) =>
    (a['deletedAt'] === null ? 0 : 1) - (b['deletedAt'] === null ? 0 : 1) || b['createdAt'] - a['createdAt'] || (a['uid'] < b['uid'] ? -1 : 1);
  for (const model of records) {
    const r = model.record;
    const id = model.type === 'pod' || model.type === 'svc' ? `${r['namespace']}/${r['name']}` : r['name'];
    add(`${model.type}:${id}`, r, r);
    for (const [ip, interval] of intervals(model)) add(`ip:${ip}`, interval, r);
  }
  const view = new Map<string, { value: unknown; expireAt: number | null }>();
  const expiry = (owners: Json[]) => (owners.every((o) => o['deletedAt'] !== null) ? Math.max(...owners.map((o) => o['deletedAt'])) + retentionMs : null);
  for (const [key, group] of groups) {
    const values = key.startsWith('ip:')
      ? [...group.values].sort((a, b) => a['from'] - b['from'] || a['kind'].localeCompare(b['kind']) || a['uid'].localeCompare(b['uid']))
      : [...group.values].sort(newestFirst);
    view.set(key, { value: values, expireAt: expiry(group.owners) });
  }
  const pods = records.filter((m) => m.type === 'pod').map((m) => m.record).sort(newestFirst);
  for (const pod of pods) {
    for (const container of pod['containers'] as Json[]) {
      if (view.has(`ctr:${container['id']}`)) continue;
      view.set(`ctr:${container['id']}`, {
        value: { namespace: pod['namespace'], pod: pod['name'], podUid: pod['uid'], container: container['name'], deletedAt: pod['deletedAt'] },
        expireAt: pod['deletedAt'] === null ? null : pod['deletedAt'] + retentionMs,
      });
    }
  }
  return view;
}
