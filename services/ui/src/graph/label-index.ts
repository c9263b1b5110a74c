/**
 * A map keyed by the values of a fixed list of labels, as a tree of one
 * level per label: finding a series' entry hashes its short label values
 * instead of building (and hashing) one long key string per sample, which
 * made up most of the graph's build time at thousands of pairs.
 */
type Level<T> = Map<string, Level<T> | T>;

export class LabelIndex<T> {
  private readonly root: Level<T> = new Map();

  constructor(private readonly names: readonly string[]) {}

  /** The entry of these label values, made by `create` the first time. */
  get(labels: Readonly<Record<string, string | undefined>>, create: () => T): T {
    let level = this.root;
    const last = this.names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labels[this.names[i]!] ?? '';
      let next = level.get(value) as Level<T> | undefined;
      if (!next) level.set(value, (next = new Map()));
      level = next;
    }
    const value = labels[this.names[last]!] ?? '';
    if (level.has(value)) return level.get(value) as T;
    const entry = create();
    level.set(value, entry);
    return entry;
  }
}
