/**
 * An in-memory MetadataSource for unit tests: the view as key name → value, as
 * metadata-sync writes it to Redis, with an outage switch and a count of reads.
 */
import { viewKeyName, type ViewKeyName, type ViewKeyType } from '@flowmesh/lib';
import {
  emptyValues,
  type ChangeListener,
  type KeysByKind,
  type LookupKind,
  type MetadataChange,
  type MetadataSource,
  type ValuesByKind,
} from '../../src/metadata/source.js';
import { fixtureView } from './cluster-fixture.js';

const VIEW_TYPE: Record<LookupKind, ViewKeyType> = { address: 'ip', container: 'ctr', pod: 'pod', service: 'svc', node: 'node' };

export class MemorySource implements MetadataSource {
  /** Rejects every read while true. */
  down = false;
  /** Round trips made. */
  fetches = 0;
  /** Set to simulate a store that knows its connection state. */
  reachable?: () => boolean;
  private listeners: ChangeListener[] = [];

  constructor(readonly view: Map<ViewKeyName, unknown> = fixtureView()) {}

  async fetch(keys: KeysByKind): Promise<ValuesByKind> {
    this.fetches += 1;
    if (this.down) throw new Error('connection refused');
    const values = emptyValues();
    for (const [kind, list] of Object.entries(keys) as [LookupKind, readonly string[]][]) {
      for (const key of list) {
        const value = this.view.get(viewKeyName(VIEW_TYPE[kind], key));
        if (value !== undefined) (values[kind] as Map<string, unknown>).set(key, value);
      }
    }
    return values;
  }

  async subscribe(listener: ChangeListener) {
    this.listeners.push(listener);
    return async () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Changes a value and announces it, as metadata-sync does. */
  set(kind: LookupKind, key: string, value: unknown): void {
    this.view.set(viewKeyName(VIEW_TYPE[kind], key), value);
    this.announce({ kind, key });
  }

  announce(change: MetadataChange): void {
    for (const listener of this.listeners) listener.onChange(change);
  }
}
