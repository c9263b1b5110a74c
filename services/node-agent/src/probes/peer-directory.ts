/**
 * The nodes and agent pods this agent probes, read from the kubemeta view in
 * Redis and kept current by metadata-sync's change announcements: a change to
 * a node or agent-pod key re-reads that key, an "everything changed"
 * announcement or a resubscription re-reads all. No controller, no polling
 * (a slow safety re-read only).
 */
import type { Redis } from 'ioredis';
import { type KubemetaChange, type KubemetaKeys, type NodeRecord, type PodRecord, subscribeChanges } from '@flowmesh/lib';
import { type PeerSelection, matchesSelector, selectPeers } from './peers.js';

export interface PeerDirectoryOptions {
  redis: Redis;
  /** A connection for pub/sub only. */
  subscriber: Redis;
  keys: KubemetaKeys;
  selfNode: string;
  agentNamespace: string;
  agentSelector: Record<string, string>;
  resyncMs: number;
  /** Called after every change of the selection. */
  onChange(selection: PeerSelection): void;
  onError(error: Error): void;
}

export class PeerDirectory {
  private readonly nodes = new Map<string, NodeRecord[]>();
  private readonly agents = new Map<string, PodRecord[]>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** Keys announced while a read is running, read again after it. */
  private pending = new Set<string>();
  private reading: Promise<void> | null = null;
  private fullReadWanted = false;
  private loaded = false;

  constructor(private readonly options: PeerDirectoryOptions) {}

  /** Subscribes first, then reads everything, so nothing announced in between is missed. */
  async start(): Promise<void> {
    this.unsubscribe = await subscribeChanges(this.options.subscriber, this.options.keys, {
      onChanges: (changes) => this.onChanges(changes),
      onResubscribed: () => this.schedule('all'),
    });
    await this.schedule('all');
    if (this.options.resyncMs > 0) {
      this.resyncTimer = setInterval(() => void this.schedule('all'), this.options.resyncMs);
      this.resyncTimer.unref();
    }
  }

  get selection(): PeerSelection {
    return selectPeers(this.options.selfNode, this.nodes, this.agents);
  }

  get ready(): boolean {
    return this.loaded;
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.unsubscribe?.();
    await this.reading?.catch(() => undefined);
  }

  private onChanges(changes: KubemetaChange[]): void {
    const wanted: string[] = [];
    for (const change of changes) {
      if (change.kind === 'all') return void this.schedule('all');
      if (change.kind === 'node' || (change.kind === 'pod' && change.id.startsWith(`${this.options.agentNamespace}/`))) {
        wanted.push(this.options.keys.full(`${change.kind}:${change.id}`));
      }
    }
    if (wanted.length) void this.schedule(wanted);
  }

  /** Reads `what` after the read in progress (reads never overlap, so an older answer cannot overwrite a newer one). */
  private schedule(what: 'all' | string[]): Promise<void> {
    if (what === 'all') this.fullReadWanted = true;
    else for (const key of what) this.pending.add(key);
    if (!this.reading) {
      this.reading = this.drain().finally(() => {
        this.reading = null;
      });
    }
    return this.reading;
  }

  private async drain(): Promise<void> {
    while (this.fullReadWanted || this.pending.size) {
      const full = this.fullReadWanted;
      const keys = [...this.pending];
      this.fullReadWanted = false;
      this.pending = new Set();
      try {
        if (full) await this.readAll();
        else await this.readKeys(keys);
        this.loaded = true;
        this.options.onChange(this.selection);
      } catch (error) {
        // keep what we have; the next announcement or resync tries again
        if (full) this.fullReadWanted = true;
        else for (const key of keys) this.pending.add(key);
        this.options.onError(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async readAll(): Promise<void> {
    const { keys } = this.options;
    const nodeKeys = await this.scan(`${keys.full('node:')}*`);
    const podKeys = await this.scan(`${keys.full(`pod:${this.options.agentNamespace}/`)}*`);
    this.nodes.clear();
    this.agents.clear();
    await this.readKeys([...nodeKeys, ...podKeys]);
  }

  private async readKeys(fullKeys: string[]): Promise<void> {
    if (!fullKeys.length) return;
    const values = await this.options.redis.mget(fullKeys);
    fullKeys.forEach((fullKey, index) => this.store(fullKey, values[index] ?? null));
  }

  private store(fullKey: string, value: string | null): void {
    const name = this.options.keys.nameOf(fullKey);
    if (!name) return;
    const records = value === null ? [] : (JSON.parse(value) as NodeRecord[] | PodRecord[]);
    if (name.startsWith('node:')) {
      const id = name.slice('node:'.length);
      if (records.length) this.nodes.set(id, records as NodeRecord[]);
      else this.nodes.delete(id);
    } else {
      const id = name.slice('pod:'.length);
      const agents = (records as PodRecord[]).filter((pod) => matchesSelector(pod, this.options.agentSelector));
      if (agents.length) this.agents.set(id, agents);
      else this.agents.delete(id);
    }
  }

  private async scan(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.options.redis.scan(cursor, 'MATCH', pattern.replace(/[?[\]\\]/g, (c) => `\\${c}`), 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }
}
