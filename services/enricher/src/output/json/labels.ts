/**
 * Kubernetes label keys for document stores that read dots as object paths.
 * Elasticsearch expands `app.kubernetes.io/name` into objects, which clashes
 * with a plain `app` label in the same index; Elastic's own Kubernetes metadata
 * replaces the dots with underscores ("de-dotting"), and so do we.
 */
export function dedotKey(key: string): string {
  return key.replaceAll('.', '_');
}

/**
 * The labels with de-dotted keys, in key order. Two keys that differ only by
 * `.` against `_` would collide: the one already without dots wins, so a label
 * is never silently replaced by a rewritten one.
 */
export function dedotLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = Object.keys(labels).sort((a, b) => Number(a.includes('.')) - Number(b.includes('.')) || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const target = dedotKey(key);
    if (!(target in out)) out[target] = labels[key]!;
  }
  return out;
}

/** Labels as OCSF key/value objects (`[{ name, value }]`), the shape of `container.tags`. */
export function labelPairs(labels: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name]! }));
}
