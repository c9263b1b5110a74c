/**
 * Step 1 of resolving one end of a flow: which object is it? Uses the address
 * history (at the flow's time) and the container id; the details of the object
 * (labels, workload, node) are read in step 2 (describe.ts), so a batch needs
 * exactly two rounds of store reads.
 *
 * Order of evidence:
 * 1. a container id the view knows names the pod exactly, and is the only way
 *    to tell host-network pods apart (they share their node's address);
 * 2. the holder of the address in the middle of the flow's window (IPs are
 *    reused as pods come and go, so "who holds it now" would be wrong for late
 *    or replayed flows): a pod, a Service VIP or a node;
 * 3. a loopback address reported by an agent belongs to that agent's node;
 * 4. otherwise the address is external, unless something says it is inside the
 *    cluster (an agent reported that end, or it is in a cluster CIDR): then it is
 *    unknown, and the record is PARTIAL.
 */
import { selectInterval, type CidrSet, type ContainerRecord, type Endpoint, type IpInterval } from '@flowmesh/lib';
import type { LookupAnswers } from '../metadata/cached-metadata.js';
import { addressKey, containerKey, namespacedKey } from '../metadata/source.js';
import { Quality } from './quality.js';

/** An object of the view; `uid` picks the incarnation when a name was reused. */
export type Identity =
  | { kind: 'pod'; key: string; uid: string | null; containerName: string | null }
  | { kind: 'service'; key: string; uid: string | null }
  | { kind: 'node'; name: string; uid: string | null }
  | { kind: 'external' }
  | { kind: 'unknown' };

export interface IdentifyContext {
  /** The flow's time: the middle of its window. */
  atMs: number;
  skewToleranceMs: number;
  /** Address ranges that belong to the cluster (pod, service and node CIDRs). */
  clusterRanges: CidrSet | null;
}

export interface Identified {
  identity: Identity;
  quality: Quality;
}

/** What identify() needs to know about an end: its address, and what an agent reported about it. */
export type EndpointFacts = Pick<Endpoint, 'ip' | 'node' | 'container_id'>;

/**
 * The identity a cached view record names, made once per record (identities
 * are never changed): flows of one pod share it instead of building it again.
 */
const named = new WeakMap<ContainerRecord | IpInterval, Identity>();

function identityOf<R extends ContainerRecord | IpInterval>(record: R, make: (record: R) => Identity): Identity {
  let identity = named.get(record);
  if (!identity) named.set(record, (identity = make(record)));
  return identity;
}

const ofContainer = (container: ContainerRecord): Identity => ({
  kind: 'pod', key: namespacedKey(container.namespace, container.pod), uid: container.podUid, containerName: container.container,
});

function ofHolder(holder: IpInterval): Identity {
  switch (holder.kind) {
    case 'pod':
      return { kind: 'pod', key: namespacedKey(holder.namespace ?? '', holder.name), uid: holder.uid, containerName: null };
    case 'service':
      return { kind: 'service', key: namespacedKey(holder.namespace ?? '', holder.name), uid: holder.uid };
    case 'node':
      return { kind: 'node', name: holder.name, uid: holder.uid };
  }
}

export function identify(end: EndpointFacts, answers: LookupAnswers, context: IdentifyContext): Identified {
  const quality = new Quality();

  if (end.container_id) {
    const answer = answers.container.get(containerKey(end.container_id));
    quality.note(answer, true);
    const container = answer?.value;
    if (container) return { identity: identityOf(container, ofContainer), quality };
  }

  const addressAnswer = answers.address.get(addressKey(end.ip));
  const holder = addressAnswer?.value ? selectInterval(addressAnswer.value, context.atMs, context.skewToleranceMs) : null;
  const inCluster = end.node !== null || end.container_id !== null || inRanges(end.ip, context.clusterRanges);
  quality.note(addressAnswer, inCluster);

  if (holder) return { identity: identityOf(holder, ofHolder), quality };
  if (end.node !== null && isLoopback(end.ip)) {
    return { identity: { kind: 'node', name: end.node, uid: null }, quality };
  }
  // An address the view knows from other times is the cluster's, even if nobody held it then.
  const knownAddress = (addressAnswer?.value?.length ?? 0) > 0;
  if (knownAddress) quality.missing();
  if (!addressAnswer || addressAnswer.provenance === 'failed' || inCluster || knownAddress) {
    return { identity: { kind: 'unknown' }, quality };
  }
  return { identity: { kind: 'external' }, quality };
}

function inRanges(ip: string, ranges: CidrSet | null): boolean {
  return ranges?.contains(ip) ?? false;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}
