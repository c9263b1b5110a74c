/**
 * Step 2 of resolving one end of a flow: the details of the object identify()
 * named (workload, labels, node), read in one batched round for the whole batch.
 *
 * Details depend only on the object's version (the cached record of the
 * incarnation) and the identity that named it, so they are made once per
 * version and shared by every flow of that object: the output writer encodes
 * each one once (EnrichedFlowWriter), and both go when the cache entry they
 * came from is replaced.
 */
import type { ObjectType } from '@flowmesh/lib';
import { pickIncarnation, type PodRecord } from '@flowmesh/lib';
import type { LookupAnswers } from '../metadata/cached-metadata.js';
import type { Identity } from './identify.js';
import type { Quality } from './quality.js';

/** The Kubernetes side of an EnrichedSide (process and geo fields come from elsewhere). */
export interface ObjectDetails {
  object_type: ObjectType;
  object_name: string | null;
  object_namespace: string | null;
  node: string | null;
  container_name: string | null;
  workload_name: string | null;
  workload_namespace: string | null;
  workload_kind: string | null;
  labels: Record<string, string>;
  /** Services that route to the pod (sorted by name); empty for other objects. */
  services: readonly string[];
}

/** The detail lookups a set of identities needs. */
export function detailRequest(identities: Iterable<Identity>): Record<'pod' | 'service' | 'node', Set<string>> {
  const request = { pod: new Set<string>(), service: new Set<string>(), node: new Set<string>() };
  for (const identity of identities) {
    if (identity.kind === 'pod') request.pod.add(identity.key);
    else if (identity.kind === 'service') request.service.add(identity.key);
    else if (identity.kind === 'node') request.node.add(identity.name);
  }
  return request;
}

/** Details with every field present, in one order, so all of them share one object shape (fast to read and encode). */
function blank(object_type: ObjectType): ObjectDetails {
  return {
    object_type,
    object_name: null,
    object_namespace: null,
    node: null,
    container_name: null,
    workload_name: null,
    workload_namespace: null,
    workload_kind: null,
    labels: {},
    services: [],
  };
}

/** The same for every end without an object (nobody changes details once made). */
const NO_OBJECT = { external: blank('external'), unknown: blank('unknown') } as const;

/** Details made for a record, by the name and container name they were made for. */
const madeFor = new WeakMap<object, Map<string | null, { name: string; details: ObjectDetails }>>();

/** The details `make` builds for this version of an object, made once while `record` (a cached value) lives. */
function remembered(record: object | null, name: string, containerName: string | null, make: () => ObjectDetails): ObjectDetails {
  if (record === null) return make();
  let byContainer = madeFor.get(record);
  if (!byContainer) madeFor.set(record, (byContainer = new Map()));
  const known = byContainer.get(containerName);
  if (known?.name === name) return known.details;
  const details = make();
  byContainer.set(containerName, { name, details });
  return details;
}

export function describe(identity: Identity, answers: LookupAnswers, quality: Quality): ObjectDetails {
  if (identity.kind === 'external' || identity.kind === 'unknown') return NO_OBJECT[identity.kind];
  if (identity.kind === 'node') {
    const answer = answers.node.get(identity.name);
    quality.note(answer, true);
    const node = pickIncarnation(answer?.value ?? undefined, identity.uid ?? undefined);
    return remembered(node, identity.name, null, () => {
      const details = blank('node');
      details.object_name = identity.name;
      details.node = identity.name;
      details.labels = node?.labels ?? {};
      return details;
    });
  }
  if (identity.kind === 'service') {
    const answer = answers.service.get(identity.key);
    quality.note(answer, true);
    const service = pickIncarnation(answer?.value ?? undefined, identity.uid ?? undefined);
    return remembered(service, identity.key, null, () => {
      const details = blank('service');
      [details.object_namespace, details.object_name] = splitKey(identity.key);
      details.labels = service?.labels ?? {};
      return details;
    });
  }
  const answer = answers.pod.get(identity.key);
  quality.note(answer, true);
  const pod = pickIncarnation(answer?.value ?? undefined, identity.uid ?? undefined);
  return remembered(pod, identity.key, identity.containerName, () => podDetails(identity.key, identity.containerName, pod));
}

function podDetails(key: string, containerName: string | null, pod: PodRecord | null): ObjectDetails {
  const details = blank('pod');
  [details.object_namespace, details.object_name] = splitKey(key);
  details.container_name = containerName;
  if (pod) {
    const workload = workloadOf(pod);
    details.node = pod.node;
    details.workload_name = workload.name;
    details.workload_namespace = details.object_namespace;
    details.workload_kind = workload.kind;
    details.labels = pod.labels;
    details.services = pod.services;
  }
  return details;
}

/** A pod with no controller is its own workload. */
function workloadOf(pod: PodRecord): { kind: string; name: string } {
  return pod.workload ?? { kind: 'Pod', name: pod.name };
}

/** Splits a `namespace/name` key (names cannot contain '/'). */
export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
