/**
 * What the enricher reads from the kubemeta view, as one batched call: the raw
 * values of many keys of several kinds at once, so one consumed batch costs one
 * round trip per step, not one per record. Values are the view's own records
 * (lib/src/kubemeta/records.ts); the enricher picks the interval and the object
 * incarnation for each flow's time itself, which keeps cached values valid for
 * flows of any time. kubemeta-source.ts puts metadata-sync's Redis reader behind
 * this; tests use an in-memory fake.
 */
import {
  normalizeContainerId,
  normalizeIp,
  type ContainerRecord,
  type IpInterval,
  type KubemetaChange,
  type NodeRecord,
  type PodRecord,
  type ServiceRecord,
} from '@flowmesh/lib';

/** The value of one key, by lookup kind. Object kinds hold incarnations, newest first. */
export interface LookupValues {
  address: IpInterval[];
  container: ContainerRecord;
  pod: PodRecord[];
  service: ServiceRecord[];
  node: NodeRecord[];
}
export type LookupKind = keyof LookupValues;
export const LOOKUP_KINDS: readonly LookupKind[] = ['address', 'container', 'pod', 'service', 'node'];

/** Keys to read per kind: addresses, container ids, `namespace/name` of pods and services, node names. */
export type KeysByKind = { [K in LookupKind]?: readonly string[] };
/** What was found; a key the view does not know is absent. */
export type ValuesByKind = { [K in LookupKind]: Map<string, LookupValues[K]> };

export interface MetadataSource {
  /** Reads every requested key in one round trip; rejects when the store cannot be reached. */
  fetch(keys: KeysByKind): Promise<ValuesByKind>;
  /** Resolves with a function that unsubscribes. */
  subscribe(listener: ChangeListener): Promise<() => Promise<void>>;
  /**
   * False while the store is known to be unreachable (its connection is down),
   * so answers from cache are marked stale without waiting for a read to fail.
   */
  reachable?(): boolean;
}

/** A change announced by metadata-sync, in lookup kinds: drop what is cached for the key. */
export type MetadataChange = { kind: LookupKind; key: string } | { kind: 'all' };

export interface ChangeListener {
  onChange(change: MetadataChange): void;
  /** The subscription came back after a break: announcements may have been missed. */
  onResubscribed(): void;
}

const KIND_OF_VIEW_KEY: Partial<Record<string, LookupKind>> = { ip: 'address', ctr: 'container', pod: 'pod', svc: 'service', node: 'node' };

/** A view announcement in lookup kinds; null for keys the enricher does not read (namespaces). */
export function toMetadataChange(change: KubemetaChange): MetadataChange | null {
  if (change.kind === 'all') return change;
  const kind = KIND_OF_VIEW_KEY[change.kind];
  return kind ? { kind, key: change.id } : null;
}

/** Cache and lookup key of an address: the view's canonical text, so announcements match. */
export function addressKey(ip: string): string {
  return normalizeIp(ip);
}

/** Cache and lookup key of a container id (no runtime scheme, lower case), as the view keys it. */
export function containerKey(id: string): string {
  return normalizeContainerId(id);
}

/** Key of a namespaced object in the pod and service maps. */
export function namespacedKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function emptyValues(): ValuesByKind {
  return { address: new Map(), container: new Map(), pod: new Map(), service: new Map(), node: new Map() };
}
