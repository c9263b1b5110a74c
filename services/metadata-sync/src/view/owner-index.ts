/**
 * The intermediate owners a pod's controller chain passes through
 * (ReplicaSet → Deployment, Job → CronJob), kept a while after deletion so a
 * pod deleted after its ReplicaSet (cascading deletion) still resolves to the
 * Deployment.
 */
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { WorkloadRef } from '@flowmesh/lib';
import type { OwnerResolution } from './derive-records.js';
import { type KubeResource, controllerRefOf, deletionTimeOf, nameOf, namespaceOf } from './object-fields.js';

interface OwnerEntry {
  controller: WorkloadRef | null;
  deletedAt: number | null;
}

/** Chains longer than this are cut (owner references can form cycles in a broken cluster). */
const MAX_DEPTH = 8;

export function ownerKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class OwnerIndex {
  private readonly owners = new Map<string, OwnerEntry>();

  constructor(private readonly retentionMs: number) {}

  /** Records an owner; true when its own controller changed (pods below it must be re-resolved). */
  upsert(kind: string, object: KubeResource): boolean {
    const key = ownerKey(kind, namespaceOf(object), nameOf(object));
    const ref = controllerRefOf(object);
    const controller = ref ? { kind: ref.kind, name: ref.name } : null;
    const old = this.owners.get(key);
    this.owners.set(key, { controller, deletedAt: null });
    return !old || old.controller?.kind !== controller?.kind || old.controller?.name !== controller?.name;
  }

  /** Keeps a deleted owner for the retention period. */
  remove(kind: string, object: KubeResource, observedAt: number): void {
    const key = ownerKey(kind, namespaceOf(object), nameOf(object));
    const old = this.owners.get(key);
    if (old && old.deletedAt === null) this.owners.set(key, { ...old, deletedAt: deletionTimeOf(object, observedAt) });
  }

  /** Forgets owners deleted longer ago than the retention; returns their keys. */
  expire(now: number): string[] {
    const expired: string[] = [];
    for (const [key, entry] of this.owners) {
      if (entry.deletedAt !== null && entry.deletedAt + this.retentionMs <= now) {
        this.owners.delete(key);
        expired.push(key);
      }
    }
    return expired;
  }

  resolve(namespace: string, ref: V1OwnerReference | undefined): OwnerResolution {
    if (!ref) return { workload: null, controller: null };
    const controller = { kind: ref.kind, name: ref.name };
    let top: WorkloadRef = controller;
    for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
      const next = this.owners.get(ownerKey(top.kind, namespace, top.name))?.controller;
      if (!next) break;
      top = next;
    }
    return { workload: top, controller };
  }
}
