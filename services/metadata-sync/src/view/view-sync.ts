/**
 * Keeps Redis equal to the view the cluster state computes. Changed keys are
 * collected and flushed in batches: each key's value is recomputed, compared
 * with what Redis holds (a mirror of what was written), and only differences
 * are written, then announced. Only the leader writes. Taking over reads the
 * view back from Redis, adopts the previous writer's tombstones, and rewrites
 * every key in place: no key is ever cleared first, so lookups never fail
 * during a rebuild.
 */
import { KUBEMETA_SCHEMA_VERSION, type KubemetaWriter, type Logger, type ViewKeyName, type ViewOperation } from '@flowmesh/lib';
import type { SyncMetrics } from '../metrics.js';
import type { ClusterState } from './cluster-state.js';

export interface ViewSyncOptions {
  identity: string;
  /** How often changed keys are written. */
  flushIntervalMs: number;
  /** Most keys recomputed and written per flush (bounds a flush's latency and pipeline). */
  maxKeysPerFlush: number;
  /** Above this many changed keys in one flush, one "everything changed" announcement replaces the key list. */
  announceAllAbove: number;
  /** How often tombstones past retention are dropped. */
  sweepIntervalMs: number;
  /** How often the leader re-reads Redis and repairs any drift (0: never). */
  resyncIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

type Mode = 'follower' | 'taking-over' | 'leading';

interface Written {
  value: string;
  /** undefined: unknown (read back from Redis, whose TTL we did not fetch). */
  expireAt: number | null | undefined;
}

export class ViewSync {
  private mode: Mode = 'follower';
  /** Bumped on every leadership change, so work started under an old term does not touch the new one's state. */
  private term = 0;
  private readonly dirty = new Set<ViewKeyName>();
  private readonly mirror = new Map<ViewKeyName, Written>();
  private mirrorBytes = 0;
  /** Flushes and full syncs run one at a time: two interleaved writers could leave an older value last. */
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;
  private failures = 0;
  private retryAt = 0;
  private syncedAt: number | null = null;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly state: ClusterState,
    private readonly writer: KubemetaWriter,
    private readonly informersSynced: () => Promise<void>,
    private readonly metrics: SyncMetrics,
    private readonly logger: Logger,
    private readonly options: ViewSyncOptions,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.flushIfDue(), this.options.flushIntervalMs));
    this.timers.push(setInterval(() => this.sweep(), this.options.sweepIntervalMs));
    if (this.options.resyncIntervalMs > 0) this.timers.push(setInterval(() => void this.resync('periodic resync'), this.options.resyncIntervalMs));
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.stepDown();
    await this.queue;
  }

  /** The state's change callback. Followers do not track changes: a take-over rewrites every key anyway. */
  markChanged(names: readonly ViewKeyName[]): void {
    if (this.mode === 'follower') return;
    for (const name of names) this.dirty.add(name);
  }

  get isLeading(): boolean {
    return this.mode !== 'follower';
  }

  /** True once this writer has completed its take-over sync. */
  get isSynced(): boolean {
    return this.mode === 'leading';
  }

  get pendingKeys(): number {
    return this.dirty.size;
  }

  get viewBytes(): number {
    return this.mirrorBytes;
  }

  becomeLeader(): void {
    if (this.mode !== 'follower') return;
    this.mode = 'taking-over';
    this.metrics.leaderTransitions.inc();
    void this.takeOver(++this.term);
  }

  stepDown(): void {
    if (this.mode === 'follower') return;
    this.mode = 'follower';
    this.term += 1;
    this.metrics.leaderTransitions.inc();
    this.dirty.clear();
    this.mirror.clear();
    this.mirrorBytes = 0;
  }

  /** Resolves when this replica leads, has synced, and has nothing left to write (tests, benchmarks). */
  async whenIdle(pollMs = 10): Promise<void> {
    while (this.mode !== 'leading' || this.dirty.size || this.busy) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async takeOver(term: number): Promise<void> {
    await this.informersSynced();
    while (this.term === term) {
      try {
        await this.fullSync(term, 'take-over');
        if (this.term !== term) return;
        this.mode = 'leading';
        this.logger.info({ keys: this.mirror.size, bytes: this.mirrorBytes }, 'view synced; writing changes as they come');
        return;
      } catch (error) {
        this.noteFailure(error, 'take-over sync failed');
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.retryAt - Date.now())));
      }
    }
  }

  /** Reads Redis back, adopts what the previous writer knew, and rewrites every key that differs. */
  private fullSync(term: number, reason: string): Promise<void> {
    return this.serially(() => this.rebuild(term, reason));
  }

  private async rebuild(term: number, reason: string): Promise<void> {
    const stored = await this.writer.readAll();
    if (this.term !== term) return;
    const adopted = this.state.adoptStored(stored, Date.now());
    this.mirror.clear();
    this.mirrorBytes = 0;
    for (const [name, value] of stored) this.remember(name, { value, expireAt: undefined });
    for (const name of this.state.records.allKeyNames()) this.dirty.add(name);
    for (const name of stored.keys()) this.dirty.add(name);
    this.logger.info({ reason, storedKeys: stored.size, adoptedTombstones: adopted, keys: this.dirty.size }, 'full sync');
    await this.flushBatches(term, { announceAll: true, everything: true });
    if (this.term !== term) return;
    this.syncedAt = Date.now();
    await this.writer.writeMeta({ schema: KUBEMETA_SCHEMA_VERSION, writer: this.options.identity, syncedAt: this.syncedAt, updatedAt: this.syncedAt });
    this.metrics.fullSyncs.inc();
  }

  /** Drops expired tombstones; the writer also refreshes `meta.updatedAt`, its heartbeat for readers. */
  private sweep(): void {
    const now = Date.now();
    this.state.expire(now);
    if (this.mode !== 'leading') return;
    const meta = { schema: KUBEMETA_SCHEMA_VERSION, writer: this.options.identity, syncedAt: this.syncedAt, updatedAt: now };
    this.writer.writeMeta(meta).catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh the view\'s meta key'));
  }

  /** Rebuilds from what Redis holds now: after a reconnect it may have restarted empty. */
  resyncNow(reason: string): void {
    void this.resync(reason);
  }

  private async resync(reason: string): Promise<void> {
    if (this.mode !== 'leading') return;
    const term = this.term;
    try {
      await this.fullSync(term, reason);
    } catch (error) {
      this.noteFailure(error, `${reason} failed`);
    }
  }

  private async flushIfDue(): Promise<void> {
    if (this.mode !== 'leading' || this.busy || !this.dirty.size || Date.now() < this.retryAt) return;
    const term = this.term;
    try {
      await this.serially(() => this.flushBatches(term, { announceAll: false, everything: false }));
    } catch (error) {
      this.noteFailure(error, 'writing view changes failed; will retry');
    }
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.busy += 1;
    const run = this.queue.then(work).finally(() => {
      this.busy -= 1;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushBatches(term: number, how: { announceAll: boolean; everything: boolean }): Promise<void> {
    if (this.term !== term) return;
    const changed: ViewKeyName[] = [];
    do {
      const names = this.takeDirty();
      const batch = this.operationsFor(names);
      const started = process.hrtime.bigint();
      try {
        await this.writer.apply(batch.operations);
      } catch (error) {
        if (this.term === term) for (const name of names) this.dirty.add(name);
        throw error;
      }
      this.metrics.redisWriteSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      if (this.term !== term) return;
      for (const operation of batch.operations) {
        this.metrics.keysWritten.inc({ op: operation.op });
        if (operation.op === 'delete') this.forget(operation.name);
        else if (operation.op === 'set') this.remember(operation.name, { value: operation.value, expireAt: operation.expireAt });
        else this.remember(operation.name, { value: this.mirror.get(operation.name)!.value, expireAt: operation.expireAt });
      }
      changed.push(...batch.changed);
    } while (how.everything && this.dirty.size);
    this.failures = 0;
    this.retryAt = 0;
    const announceAll = how.announceAll || changed.length > this.options.announceAllAbove;
    if (announceAll || changed.length) {
      await this.writer.announce(announceAll ? 'all' : changed);
      this.metrics.announcements.inc();
    }
  }

  private takeDirty(): ViewKeyName[] {
    const names: ViewKeyName[] = [];
    for (const name of this.dirty) {
      names.push(name);
      this.dirty.delete(name);
      if (names.length >= this.options.maxKeysPerFlush) break;
    }
    return names;
  }

  /** The writes that make Redis hold the computed value of each key, and which keys' values change. */
  private operationsFor(names: readonly ViewKeyName[]): { operations: ViewOperation[]; changed: ViewKeyName[] } {
    const operations: ViewOperation[] = [];
    const changed: ViewKeyName[] = [];
    for (const name of names) {
      const desired = this.state.valueOf(name);
      const written = this.mirror.get(name);
      if (!desired) {
        if (written) {
          operations.push({ op: 'delete', name });
          changed.push(name);
        }
      } else if (!written || written.value !== desired.value) {
        operations.push({ op: 'set', name, value: desired.value, expireAt: desired.expireAt });
        changed.push(name);
      } else if (written.expireAt !== desired.expireAt) {
        operations.push({ op: 'expire', name, expireAt: desired.expireAt });
      }
    }
    return { operations, changed };
  }

  private remember(name: ViewKeyName, written: Written): void {
    this.forget(name);
    this.mirror.set(name, written);
    this.mirrorBytes += name.length + written.value.length;
  }

  private forget(name: ViewKeyName): void {
    const old = this.mirror.get(name);
    if (!old) return;
    this.mirror.delete(name);
    this.mirrorBytes -= name.length + old.value.length;
  }

  private noteFailure(error: unknown, message: string): void {
    this.failures += 1;
    this.metrics.redisWriteErrors.inc();
    const delay = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** (this.failures - 1)) * (0.5 + Math.random() / 2);
    this.retryAt = Date.now() + delay;
    this.logger.warn({ err: error, retryInMs: Math.round(delay) }, message);
  }
}
