/**
 * Reading fields of Kubernetes objects as informers hand them over. Listed
 * objects come deserialized (timestamps as Date) while watch events carry raw
 * JSON (timestamps as strings), so every reader here accepts both.
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

export interface KubeResource {
  metadata?: V1ObjectMeta;
}

/** ms since the epoch of a Date, an RFC 3339 string, or null. */
export function timeMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'string' && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

export function uidOf(object: KubeResource): string {
  return object.metadata?.uid ?? '';
}

export function nameOf(object: KubeResource): string {
  return object.metadata?.name ?? '';
}

export function namespaceOf(object: KubeResource): string {
  return object.metadata?.namespace ?? '';
}

export function createdAtOf(object: KubeResource): number {
  return timeMs(object.metadata?.creationTimestamp) ?? 0;
}

/** A copy with keys sorted, so equal maps serialize equally whatever order the API sent. */
export function sortedMap(map: Record<string, string> | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map ?? {}).sort()) out[key] = map![key]!;
  return out;
}

export function labelsOf(object: KubeResource): Record<string, string> {
  return sortedMap(object.metadata?.labels);
}

/** The owner reference marked controller, else the first one. */
export function controllerRefOf(object: KubeResource): V1OwnerReference | undefined {
  const refs = object.metadata?.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** When a deleted object went away: its deletionTimestamp when already past, else when we learnt of it. */
export function deletionTimeOf(object: KubeResource, observedAt: number): number {
  const requested = timeMs(object.metadata?.deletionTimestamp);
  return requested !== null && requested < observedAt ? requested : observedAt;
}

export function maxTime(values: Iterable<number | null>): number | null {
  let best: number | null = null;
  for (const value of values) if (value !== null && (best === null || value > best)) best = value;
  return best;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
