/**
 * Which services route to a pod: live services of its namespace whose
 * selector matches its labels, plus services whose EndpointSlices name the
 * pod as a target (selector-less services whose endpoints a controller or a
 * person manages).
 */
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { namespaceOf, uidOf } from './object-fields.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type Selector = Record<string, string>;

export function selects(selector: Selector, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

interface SliceTargets {
  namespace: string;
  service: string;
  pods: string[];
}

export class ServiceMembership {
  /** namespace → service name → selector (null: no selector). */
  private readonly selectors = new Map<string, Map<string, Selector | null>>();
  private readonly slices = new Map<string, SliceTargets>();
  /** `namespace/pod` → service name → number of slices naming the pod for it. */
  private readonly sliceTargets = new Map<string, Map<string, number>>();

  /**
   * Sets a live service's selector. Returns the selectors whose pods may have
   * changed membership (old and new), empty when nothing changed.
   */
  setService(namespace: string, name: string, selector: Record<string, string> | null): Selector[] {
    let byName = this.selectors.get(namespace);
    if (!byName) this.selectors.set(namespace, (byName = new Map()));
    const old = byName.get(name) ?? null;
    byName.set(name, selector);
    if (JSON.stringify(old) === JSON.stringify(selector)) return [];
    return [old, selector].filter((s): s is Selector => s !== null);
  }

  /** Forgets a service; returns its selector when it had one (its pods lose it). */
  removeService(namespace: string, name: string): Selector[] {
    const byName = this.selectors.get(namespace);
    const selector = byName?.get(name) ?? null;
    byName?.delete(name);
    if (byName && !byName.size) this.selectors.delete(namespace);
    return selector ? [selector] : [];
  }

  /** Records a slice (or its removal, with null); returns `namespace/pod` keys whose membership may have changed. */
  setSlice(slice: V1EndpointSlice, present: boolean): string[] {
    const uid = uidOf(slice);
    const old = this.slices.get(uid);
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const next: SliceTargets | undefined =
      present && service
        ? {
            namespace: namespaceOf(slice),
            service,
            pods: (slice.endpoints ?? []).flatMap((e) => (e.targetRef?.kind === 'Pod' && e.targetRef.name ? [`${e.targetRef.namespace ?? namespaceOf(slice)}/${e.targetRef.name}`] : [])),
          }
        : undefined;
    if (old) this.count(old, -1);
    if (next) {
      this.slices.set(uid, next);
      this.count(next, 1);
    } else this.slices.delete(uid);
    return [...new Set([...(old?.pods ?? []), ...(next?.pods ?? [])])];
  }

  servicesOf(namespace: string, podName: string, labels: Record<string, string>): string[] {
    const names = new Set<string>(this.sliceTargets.get(`${namespace}/${podName}`)?.keys() ?? []);
    for (const [service, selector] of this.selectors.get(namespace) ?? []) {
      if (selector && selects(selector, labels)) names.add(service);
    }
    return [...names].sort();
  }

  private count(targets: SliceTargets, delta: 1 | -1): void {
    for (const pod of targets.pods) {
      let services = this.sliceTargets.get(pod);
      if (!services) this.sliceTargets.set(pod, (services = new Map()));
      const next = (services.get(targets.service) ?? 0) + delta;
      if (next > 0) services.set(targets.service, next);
      else services.delete(targets.service);
      if (!services.size) this.sliceTargets.delete(pod);
    }
  }
}
