/**
 * The records of the view (live and tombstoned) with the indexes that turn
 * them into key values: by object name, by address, by container id. The
 * value of any key is a pure function of the records held here, so a key can
 * be recomputed at any time and written idempotently.
 */
import {
  type ContainerRecord,
  type IpInterval,
  type ViewKeyName,
  compareIncarnations,
  compareIntervals,
  splitViewKeyName,
  viewKeyName,
} from '@flowmesh/lib';
import { type ViewRecord, intervalsOf, recordId } from './derive-records.js';

interface Entry {
  view: ViewRecord;
  json: string;
  intervals: Map<string, IpInterval>;
  keys: ViewKeyName[];
}

export interface KeyValue {
  value: string;
  /** ms epoch after which Redis drops the key by itself; null: kept until rewritten. */
  expireAt: number | null;
}

export type RecordType = ViewRecord['type'];

function refOf(type: RecordType, uid: string): string {
  return `${type}:${uid}`;
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (!set.size) index.delete(key);
}

export class RecordIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly tombstones = new Set<string>();
  private readonly byName = new Map<ViewKeyName, Set<string>>();
  private readonly byIp = new Map<string, Set<string>>();
  private readonly byContainer = new Map<string, Set<string>>();

  constructor(
    private readonly retentionMs: number,
    private readonly onKeysChanged: (names: ViewKeyName[]) => void,
  ) {}

  get(type: RecordType, uid: string): ViewRecord | undefined {
    return this.entries.get(refOf(type, uid))?.view;
  }

  /** Stores a record, announcing the keys whose value may change; a no-op when nothing changed. */
  put(view: ViewRecord): void {
    const ref = refOf(view.type, view.record.uid);
    const json = JSON.stringify(view.record);
    const old = this.entries.get(ref);
    if (old?.json === json) return;
    if (old) this.unindex(ref, old);
    const entry = this.entryFor(view, json);
    this.entries.set(ref, entry);
    this.index(ref, entry);
    this.onKeysChanged(old ? [...new Set([...old.keys, ...entry.keys])] : entry.keys);
  }

  remove(type: RecordType, uid: string): void {
    const ref = refOf(type, uid);
    const old = this.entries.get(ref);
    if (!old) return;
    this.entries.delete(ref);
    this.unindex(ref, old);
    this.onKeysChanged(old.keys);
  }

  /** Drops tombstones older than the retention; returns how many. */
  expire(now: number): number {
    let expired = 0;
    for (const ref of [...this.tombstones]) {
      const view = this.entries.get(ref)!.view;
      if (view.record.deletedAt! + this.retentionMs <= now) {
        this.remove(view.type, view.record.uid);
        expired += 1;
      }
    }
    return expired;
  }

  valueOf(name: ViewKeyName): KeyValue | null {
    const parts = splitViewKeyName(name);
    if (!parts) return null;
    if (parts.type === 'ip') return this.ipValue(parts.id);
    if (parts.type === 'ctr') return this.containerValue(parts.id);
    const entries = this.entriesOf(this.byName.get(name));
    if (!entries.length) return null;
    const records = entries.map((e) => e.view.record).sort(compareIncarnations);
    return { value: JSON.stringify(records), expireAt: this.expiryOf(entries) };
  }

  allKeyNames(): Set<ViewKeyName> {
    const names = new Set<ViewKeyName>(this.byName.keys());
    for (const ip of this.byIp.keys()) names.add(viewKeyName('ip', ip));
    for (const id of this.byContainer.keys()) names.add(viewKeyName('ctr', id));
    return names;
  }

  records(): IterableIterator<ViewRecord> {
    return (function* (entries: Map<string, Entry>) {
      for (const entry of entries.values()) yield entry.view;
    })(this.entries);
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  keyCounts(): Record<'ip' | 'ctr' | 'object', number> {
    return { ip: this.byIp.size, ctr: this.byContainer.size, object: this.byName.size };
  }

  private ipValue(ip: string): KeyValue | null {
    const entries = this.entriesOf(this.byIp.get(ip));
    if (!entries.length) return null;
    const intervals = entries.map((e) => e.intervals.get(ip)!).sort(compareIntervals);
    return { value: JSON.stringify(intervals), expireAt: this.expiryOf(entries) };
  }

  private containerValue(id: string): KeyValue | null {
    const entries = this.entriesOf(this.byContainer.get(id)).sort((a, b) => compareIncarnations(a.view.record, b.view.record));
    const pod = entries[0]?.view;
    if (pod?.type !== 'pod') return null;
    const container = pod.record.containers.find((c) => c.id === id)!;
    const value: ContainerRecord = {
      namespace: pod.record.namespace,
      pod: pod.record.name,
      podUid: pod.record.uid,
      container: container.name,
      deletedAt: pod.record.deletedAt,
    };
    return { value: JSON.stringify(value), expireAt: this.expiryOf([entries[0]!]) };
  }

  /** A key expires with the last of its records, and only once they are all tombstones. */
  private expiryOf(entries: Entry[]): number | null {
    let latest = -Infinity;
    for (const { view } of entries) {
      if (view.record.deletedAt === null) return null;
      latest = Math.max(latest, view.record.deletedAt);
    }
    return latest + this.retentionMs;
  }

  private entriesOf(refs: Set<string> | undefined): Entry[] {
    return refs ? [...refs].map((ref) => this.entries.get(ref)!) : [];
  }

  private entryFor(view: ViewRecord, json: string): Entry {
    const intervals = intervalsOf(view);
    const keys: ViewKeyName[] = [viewKeyName(view.type, recordId(view))];
    for (const ip of intervals.keys()) keys.push(viewKeyName('ip', ip));
    if (view.type === 'pod') for (const c of view.record.containers) keys.push(viewKeyName('ctr', c.id));
    return { view, json, intervals, keys };
  }

  private index(ref: string, entry: Entry): void {
    addTo(this.byName, entry.keys[0]!, ref);
    for (const ip of entry.intervals.keys()) addTo(this.byIp, ip, ref);
    if (entry.view.type === 'pod') for (const c of entry.view.record.containers) addTo(this.byContainer, c.id, ref);
    if (entry.view.record.deletedAt !== null) this.tombstones.add(ref);
  }

  private unindex(ref: string, entry: Entry): void {
    removeFrom(this.byName, entry.keys[0]!, ref);
    for (const ip of entry.intervals.keys()) removeFrom(this.byIp, ip, ref);
    if (entry.view.type === 'pod') for (const c of entry.view.record.containers) removeFrom(this.byContainer, c.id, ref);
    this.tombstones.delete(ref);
  }
}
