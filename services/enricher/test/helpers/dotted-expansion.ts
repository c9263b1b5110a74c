/**
 * Emulates how Elasticsearch maps JSON: a dot in a field name is an object
 * path (`{"a.b": 1}` is `{"a": {"b": 1}}`), and one index has one mapping, so a
 * path that is an object in one document and a value in another (`app` beside
 * `app.kubernetes.io/name`) is a mapping conflict that rejects the document.
 */
export type PathKind = 'object' | 'value';

export class DottedExpansion {
  private readonly kinds = new Map<string, PathKind>();
  readonly conflicts: string[] = [];

  /** Adds one document's paths to the index-wide mapping; returns the conflicts it caused. */
  add(doc: Record<string, unknown>): string[] {
    const before = this.conflicts.length;
    this.walk(doc, []);
    return this.conflicts.slice(before);
  }

  private walk(value: unknown, path: string[]): void {
    if (Array.isArray(value)) {
      for (const element of value) this.walk(element, path);
      return;
    }
    if (value !== null && typeof value === 'object') {
      if (path.length > 0) this.record(path, 'object');
      for (const [key, member] of Object.entries(value)) {
        const parts = key.split('.');
        // Every dotted prefix of the key becomes an object.
        for (let i = 1; i < parts.length; i++) this.record([...path, ...parts.slice(0, i)], 'object');
        this.walk(member, [...path, ...parts]);
      }
      return;
    }
    if (value !== null && value !== undefined) this.record(path, 'value');
  }

  private record(path: string[], kind: PathKind): void {
    const key = path.join('.');
    const seen = this.kinds.get(key);
    if (seen === undefined) this.kinds.set(key, kind);
    else if (seen !== kind) this.conflicts.push(`${key}: ${seen} and ${kind}`);
  }
}
