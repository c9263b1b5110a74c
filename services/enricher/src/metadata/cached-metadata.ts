/**
 * The enricher's view of the kubemeta store: an in-process LRU cache in front of
 * a MetadataSource (Redis), with batched reads, invalidation from metadata-sync's
 * announcements, and a degraded mode for store outages.
 *
 * Every answer says where it came from, so the enricher can mark a record:
 * - fresh:  from the store, or from cache while the store is reachable;
 * - stale:  from cache while the store is unreachable (invalidations can be missed);
 * - failed: the store is unreachable and nothing is cached.
 * A lookup never waits longer than `lookupTimeoutMs`: a down store costs one
 * timeout, then calls are skipped until its backoff elapses.
 */
import { LRUCache } from 'lru-cache';
import {
  LOOKUP_KINDS,
  type ChangeListener,
  type KeysByKind,
  type LookupKind,
  type LookupValues,
  type MetadataChange,
  type MetadataSource,
  type ValuesByKind,
} from './source.js';
import { StoreHealth, type BackoffOptions, type StoreState } from './store-health.js';

export type Provenance = 'fresh' | 'stale' | 'failed';

/** `value` is null when the store does not know the key (or could not be asked). */
export interface Answer<V> {
  value: V | null;
  provenance: Provenance;
}

export type LookupRequest = { [K in LookupKind]?: Iterable<string> };
export type LookupAnswers = { [K in LookupKind]: Map<string, Answer<LookupValues[K]>> };

export interface CacheOptions {
  /** Most entries kept in memory, all kinds together. @default 100000 */
  maxEntries: number;
  /** How long a known answer is trusted without an announcement, ms. @default 300000 */
  ttlMs: number;
  /** How long "not in the view" is trusted, ms; short so new pods show up soon. @default 5000 */
  negativeTtlMs: number;
  /** Longest wait for one batch of store reads, ms. @default 1000 */
  lookupTimeoutMs: number;
  backoff: BackoffOptions;
}

/** Hooks for metrics and logs; every one optional. */
export interface CacheEvents {
  cacheHit?(count: number): void;
  cacheMiss?(count: number): void;
  staleServed?(count: number): void;
  /** Store unreachable and nothing cached. */
  unanswered?(count: number): void;
  storeError?(error: unknown): void;
  storeStateChanged?(state: StoreState): void;
  invalidated?(change: MetadataChange | { kind: 'resubscribed' }): void;
}

/** A cached value with its answer while the store is up, made once (a lookup hands the same answer to every key that hits). */
interface Entry {
  value: unknown;
  fresh: Answer<unknown>;
}

function entryOf(value: unknown): Entry {
  return { value, fresh: { value, provenance: 'fresh' } };
}

export class CachedMetadata implements ChangeListener {
  private readonly cache: LRUCache<string, Entry>;
  private readonly health: StoreHealth;
  /** Bumped by every invalidation, so a read that raced one is not cached. */
  private invalidations = 0;

  constructor(
    private readonly source: MetadataSource,
    private readonly options: CacheOptions,
    private readonly events: CacheEvents = {},
    now: () => number = Date.now,
  ) {
    this.cache = new LRUCache<string, Entry>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // Expired entries stay until evicted: they are the fallback during an outage.
      noDeleteOnStaleGet: true,
      perf: { now },
      // Read the clock on every check; the default caches it per ms on a real timer.
      ttlResolution: 0,
    });
    this.health = new StoreHealth(options.backoff, now, Math.random, (state) => {
      events.storeStateChanged?.(state);
    });
  }

  get storeState(): StoreState {
    return this.health.current;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Answers every requested key of every kind, with at most one store round trip for all the misses. */
  async lookup(request: LookupRequest): Promise<LookupAnswers> {
    const answers = emptyAnswers();
    const misses = new Map<LookupKind, string[]>();
    if (this.source.reachable?.() === false && this.health.current === 'up') this.health.failed();
    const storeUp = this.health.current === 'up';
    let hits = 0;
    for (const kind of LOOKUP_KINDS) {
      const keys = request[kind];
      if (!keys) continue;
      const answered = answers[kind] as Map<string, Answer<unknown>>;
      const missing = new Set<string>();
      for (const key of keys) {
        if (answered.has(key) || missing.has(key)) continue;
        const entry = storeUp ? this.cache.get(cacheKey(kind, key)) : undefined;
        if (entry) {
          answered.set(key, entry.fresh);
          hits += 1;
        } else {
          missing.add(key);
        }
      }
      if (missing.size > 0) misses.set(kind, [...missing]);
    }
    if (hits > 0) this.events.cacheHit?.(hits);
    if (misses.size === 0) return answers;

    const attempt = this.health.mayAttempt() && this.source.reachable?.() !== false;
    const fetched = attempt ? await this.fetchMisses(misses) : null;
    for (const [kind, keys] of misses) {
      const answered = answers[kind] as Map<string, Answer<unknown>>;
      if (fetched) {
        const values = fetched[kind] as Map<string, unknown>;
        for (const key of keys) answered.set(key, { value: known(values.get(key)), provenance: 'fresh' });
      } else {
        this.serveFromCacheOnly(kind, keys, answered);
      }
    }
    return answers;
  }

  /**
   * Listens to the source's change announcements; resolves with the unsubscribe
   * function once subscribed. What was cached before then may have missed an
   * announcement, so it is dropped.
   */
  async subscribe(): Promise<() => Promise<void>> {
    const unsubscribe = await this.source.subscribe(this);
    if (this.cache.size > 0) this.onResubscribed();
    return unsubscribe;
  }

  onChange(change: MetadataChange): void {
    this.invalidations += 1;
    if (change.kind === 'all') this.cache.clear();
    else this.cache.delete(cacheKey(change.kind, change.key));
    this.events.invalidated?.(change);
  }

  /** Announcements may have been lost while the subscription was broken: trust nothing cached. */
  onResubscribed(): void {
    this.invalidations += 1;
    this.cache.clear();
    this.events.invalidated?.({ kind: 'resubscribed' });
  }

  /** Reads every miss from the store in one call and caches it; null when the store failed. */
  private async fetchMisses(misses: Map<LookupKind, string[]>): Promise<ValuesByKind | null> {
    const generation = this.invalidations;
    const missCount = [...misses.values()].reduce((n, keys) => n + keys.length, 0);
    this.events.cacheMiss?.(missCount);
    let values: ValuesByKind;
    try {
      values = await withTimeout(this.source.fetch(Object.fromEntries(misses) as KeysByKind), this.options.lookupTimeoutMs);
    } catch (error) {
      this.health.failed();
      this.events.storeError?.(error);
      return null;
    }
    this.health.succeeded();
    if (generation !== this.invalidations) return values; // an announcement raced this read: do not cache it
    for (const [kind, keys] of misses) {
      const found = values[kind] as Map<string, unknown>;
      for (const key of keys) {
        const value = known(found.get(key));
        this.cache.set(cacheKey(kind, key), entryOf(value), value === null ? { ttl: this.options.negativeTtlMs } : {});
      }
    }
    return values;
  }

  private serveFromCacheOnly(kind: LookupKind, keys: readonly string[], answered: Map<string, Answer<unknown>>): void {
    let stale = 0;
    for (const key of keys) {
      // allowStale: an expired entry beats no answer while the store is away.
      const entry = this.cache.get(cacheKey(kind, key), { allowStale: true });
      if (entry) stale += 1;
      answered.set(key, entry ? { value: entry.value, provenance: 'stale' } : { value: null, provenance: 'failed' });
    }
    if (stale > 0) this.events.staleServed?.(stale);
    if (stale < keys.length) this.events.unanswered?.(keys.length - stale);
  }
}

/** The value, or null when the view does not know the key (absent, or an empty history or incarnation list). */
function known(value: unknown): unknown {
  return value === undefined || (Array.isArray(value) && value.length === 0) ? null : value;
}

function cacheKey(kind: LookupKind, key: string): string {
  return `${kind}\u0000${key}`;
}

function emptyAnswers(): LookupAnswers {
  return { address: new Map(), container: new Map(), pod: new Map(), service: new Map(), node: new Map() };
}

export class LookupTimeoutError extends Error {
  readonly retriable = true;
  constructor(ms: number) {
    super(`metadata store did not answer within ${ms} ms`);
    this.name = 'LookupTimeoutError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
