/**
 * metadata-sync's Prometheus metrics, declared in one place. Counters are
 * bumped where things happen; gauges read the current state when scraped.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WATCHED_KINDS, type WatchedKind } from './view/cluster-state.js';

/** What the scrape-time gauges read. */
export interface GaugeSources {
  liveObjects(kind: WatchedKind): number;
  viewKeys(): Record<string, number>;
  tombstones(): number;
  pendingKeys(): number;
  viewBytes(): number;
  isLeader(): boolean;
}

const PREFIX = 'flowmesh_metadata_sync_';

export function createSyncMetrics(registry: Registry, sources: GaugeSources) {
  const registers = [registry];
  return {
    watchRestarts: new Counter({ name: `${PREFIX}watch_restarts_total`, help: 'Watches re-established after they ended or failed, by kind.', labelNames: ['kind'], registers }),
    relists: new Counter({ name: `${PREFIX}relists_total`, help: 'Full lists after the first one (410 Gone or a lost resourceVersion), by kind.', labelNames: ['kind'], registers }),
    apiErrors: new Counter({ name: `${PREFIX}api_errors_total`, help: 'Failed list or watch calls to the Kubernetes API, by kind.', labelNames: ['kind'], registers }),
    redisWriteSeconds: new Histogram({
      name: `${PREFIX}redis_write_seconds`,
      help: 'Time to write one batch of view changes to Redis (all its pipelines).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    redisWriteErrors: new Counter({ name: `${PREFIX}redis_write_errors_total`, help: 'Batches that failed to reach Redis (retried with back-off).', registers }),
    keysWritten: new Counter({ name: `${PREFIX}keys_written_total`, help: 'View keys written, by operation (set, delete, expire).', labelNames: ['op'], registers }),
    announcements: new Counter({ name: `${PREFIX}announcements_total`, help: 'Change announcements published.', registers }),
    fullSyncs: new Counter({ name: `${PREFIX}full_syncs_total`, help: 'Full rebuilds of the view (take-over and periodic resync).', registers }),
    leaderTransitions: new Counter({ name: `${PREFIX}leader_transitions_total`, help: 'Times this replica became or stopped being the writer.', registers }),
    objects: new Gauge({
      name: `${PREFIX}objects`,
      help: 'Live objects known from the informers, by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const kind of WATCHED_KINDS) this.set({ kind }, sources.liveObjects(kind));
      },
    }),
    viewKeys: new Gauge({
      name: `${PREFIX}view_keys`,
      help: 'Keys of the view by type (ip, ctr, object), as this replica computes it.',
      labelNames: ['type'],
      registers,
      collect() {
        for (const [type, count] of Object.entries(sources.viewKeys())) this.set({ type }, count);
      },
    }),
    viewBytes: new Gauge({
      name: `${PREFIX}view_bytes`,
      help: 'Bytes of values in the view as last written (leader only; 0 on followers).',
      registers,
      collect() {
        this.set(sources.viewBytes());
      },
    }),
    tombstones: new Gauge({
      name: `${PREFIX}tombstones`,
      help: 'Deleted objects kept for late lookups until the retention passes.',
      registers,
      collect() {
        this.set(sources.tombstones());
      },
    }),
    pendingKeys: new Gauge({
      name: `${PREFIX}pending_keys`,
      help: 'View keys changed but not yet written.',
      registers,
      collect() {
        this.set(sources.pendingKeys());
      },
    }),
    leader: new Gauge({
      name: `${PREFIX}leader`,
      help: '1 while this replica holds the Lease and writes the view.',
      registers,
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    }),
  };
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
