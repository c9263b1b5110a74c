/**
 * The cluster as metadata-sync knows it: live objects from the informers,
 * tombstones of deleted ones, and the records derived from both. Every object
 * event updates the records it touches (a ReplicaSet change re-resolves its
 * pods, a Service change re-matches its namespace's pods) and reports the view
 * keys whose value may have changed. Followers keep this state warm too, so a
 * take-over only has to write.
 */
import type { V1EndpointSlice, V1Namespace, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ViewKeyName } from '@flowmesh/lib';
import { type PodContext, type ViewRecord, namespaceRecord, nodeRecord, podRecord, serviceRecord } from './derive-records.js';
import { type KubeResource, controllerRefOf, deletionTimeOf, nameOf, namespaceOf, uidOf } from './object-fields.js';
import { OwnerIndex, ownerKey } from './owner-index.js';
import { type KeyValue, RecordIndex } from './record-index.js';
import { type Selector, ServiceMembership, selects } from './service-membership.js';
import { adoptableRecords } from './stored-records.js';

export const WATCHED_KINDS = [
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'EndpointSlice',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

/** Kinds whose objects are intermediate owners in a pod's controller chain. */
const CHAIN_OWNERS = new Set<WatchedKind>(['ReplicaSet', 'Job']);

export interface ClusterStateOptions {
  /** How long tombstones (and deleted intermediate owners) are kept. */
  retentionMs: number;
  onKeysChanged: (names: ViewKeyName[]) => void;
}

function liveKey(object: KubeResource): string {
  const namespace = namespaceOf(object);
  return namespace ? `${namespace}/${nameOf(object)}` : nameOf(object);
}

export class ClusterState {
  readonly records: RecordIndex;
  private readonly owners: OwnerIndex;
  private readonly membership = new ServiceMembership();
  /** kind → `namespace/name` (or name) → live object. */
  private readonly live = new Map<WatchedKind, Map<string, KubeResource>>(WATCHED_KINDS.map((k) => [k, new Map()]));
  /** Live pods by the key of their controller, and by namespace, to find who a change touches. */
  private readonly podsByOwner = new Map<string, Set<string>>();
  private readonly podsByNamespace = new Map<string, Set<string>>();
  private readonly podContext: PodContext;

  constructor(options: ClusterStateOptions) {
    this.records = new RecordIndex(options.retentionMs, options.onKeysChanged);
    this.owners = new OwnerIndex(options.retentionMs);
    this.podContext = {
      resolveOwner: (namespace, ref) => this.owners.resolve(namespace, ref),
      servicesOf: (namespace, pod, labels) => this.membership.servicesOf(namespace, pod, labels),
    };
  }

  liveCount(kind: WatchedKind): number {
    return this.live.get(kind)!.size;
  }

  upsert(kind: WatchedKind, object: KubeResource): void {
    const objects = this.live.get(kind)!;
    const key = liveKey(object);
    const previous = objects.get(key);
    // An informer keys by name: a delete + re-create missed during a relist arrives as an update with a new uid.
    if (previous && uidOf(previous) !== uidOf(object)) this.remove(kind, previous, Date.now());
    objects.set(key, object);
    this.apply(kind, object, previous && uidOf(previous) === uidOf(object) ? previous : undefined);
  }

  remove(kind: WatchedKind, object: KubeResource, observedAt: number): void {
    const objects = this.live.get(kind)!;
    const key = liveKey(object);
    const held = objects.get(key);
    if (!held) return;
    objects.delete(key);
    if (kind === 'Pod') this.unindexPod(held as V1Pod);
    // The event's object is the final state when it is the one we hold; otherwise tombstone what we knew.
    const final = uidOf(held) === uidOf(object) ? object : held;
    this.retire(kind, final, deletionTimeOf(final, observedAt));
  }

  /** Drops tombstones past the retention (and re-resolves pods whose deleted owners are forgotten). */
  expire(now: number): void {
    this.records.expire(now);
    for (const key of this.owners.expire(now)) this.refreshPods(this.podsByOwner.get(key));
  }

  valueOf(name: ViewKeyName): KeyValue | null {
    return this.records.valueOf(name);
  }

  /**
   * Takes over records a previous writer left in Redis that this replica does
   * not know: its tombstones as they are, and objects it had as live but which
   * are gone now (deleted while nobody watched) as tombstones from `now`.
   * Call only once the informers have listed, or everything looks deleted.
   */
  adoptStored(stored: Map<ViewKeyName, string>, now: number): number {
    let adopted = 0;
    for (const view of adoptableRecords(stored)) {
      if (this.records.get(view.type, view.record.uid)) continue;
      const deletedAt = view.record.deletedAt ?? now;
      this.records.put({ ...view, record: { ...view.record, deletedAt } } as ViewRecord);
      adopted += 1;
    }
    return adopted;
  }

  private apply(kind: WatchedKind, object: KubeResource, previous: KubeResource | undefined): void {
    switch (kind) {
      case 'Pod':
        this.indexPod(object as V1Pod, previous as V1Pod | undefined);
        this.records.put({ type: 'pod', record: podRecord(object as V1Pod, this.podContext, null) });
        return;
      case 'Service': {
        const record = serviceRecord(object as V1Service, null);
        this.records.put({ type: 'svc', record });
        this.refreshSelected(record.namespace, this.membership.setService(record.namespace, record.name, record.selector));
        return;
      }
      case 'EndpointSlice':
        this.refreshPods(this.membership.setSlice(object as V1EndpointSlice, true));
        return;
      case 'Node':
        this.records.put({ type: 'node', record: nodeRecord(object as V1Node, null) });
        return;
      case 'Namespace':
        this.records.put({ type: 'ns', record: namespaceRecord(object as V1Namespace, null) });
        return;
      default:
        if (CHAIN_OWNERS.has(kind) && this.owners.upsert(kind, object)) {
          this.refreshPods(this.podsByOwner.get(ownerKey(kind, namespaceOf(object), nameOf(object))));
        }
    }
  }

  private retire(kind: WatchedKind, object: KubeResource, deletedAt: number): void {
    switch (kind) {
      case 'Pod':
        this.records.put({ type: 'pod', record: podRecord(object as V1Pod, this.podContext, deletedAt) });
        return;
      case 'Service': {
        const record = serviceRecord(object as V1Service, deletedAt);
        this.records.put({ type: 'svc', record });
        this.refreshSelected(record.namespace, this.membership.removeService(record.namespace, record.name));
        return;
      }
      case 'EndpointSlice':
        this.refreshPods(this.membership.setSlice(object as V1EndpointSlice, false));
        return;
      case 'Node':
        this.records.put({ type: 'node', record: nodeRecord(object as V1Node, deletedAt) });
        return;
      case 'Namespace':
        this.records.put({ type: 'ns', record: namespaceRecord(object as V1Namespace, deletedAt) });
        return;
      default:
        if (CHAIN_OWNERS.has(kind)) this.owners.remove(kind, object, deletedAt);
    }
  }

  private refreshPods(keys: Iterable<string> | undefined): void {
    const pods = this.live.get('Pod')!;
    for (const key of [...(keys ?? [])]) {
      const pod = pods.get(key) as V1Pod | undefined;
      if (pod) this.records.put({ type: 'pod', record: podRecord(pod, this.podContext, null) });
    }
  }

  /** Re-derives the live pods of a namespace that a changed service selector selected before or selects now. */
  private refreshSelected(namespace: string, selectors: Selector[]): void {
    if (!selectors.length) return;
    const pods = this.live.get('Pod')!;
    const touched = [...(this.podsByNamespace.get(namespace) ?? [])].filter((key) => {
      const labels = pods.get(key)?.metadata?.labels ?? {};
      return selectors.some((selector) => selects(selector, labels));
    });
    this.refreshPods(touched);
  }

  private indexPod(pod: V1Pod, previous: V1Pod | undefined): void {
    if (previous) this.unindexPod(previous);
    const key = liveKey(pod);
    const ref = controllerRefOf(pod);
    if (ref) add(this.podsByOwner, ownerKey(ref.kind, namespaceOf(pod), ref.name), key);
    add(this.podsByNamespace, namespaceOf(pod), key);
  }

  private unindexPod(pod: V1Pod): void {
    const key = liveKey(pod);
    const ref = controllerRefOf(pod);
    if (ref) drop(this.podsByOwner, ownerKey(ref.kind, namespaceOf(pod), ref.name), key);
    drop(this.podsByNamespace, namespaceOf(pod), key);
  }
}

function add(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function drop(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  set?.delete(value);
  if (set && !set.size) index.delete(key);
}
