/**
 * One metadata-sync replica: informers feeding the cluster state, the view
 * sync writing it to Redis, and (optionally) the Lease elector deciding
 * whether this replica is the writer. Several replicas run the same way; all
 * keep their state warm, only the leader writes.
 */
import { CoordinationV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { type KubeConnectionOptions, buildKubeConfig } from './kube/kube-config.js';
import { LeaseElector } from './kube/lease-elector.js';
import { type InformerTiming, ResilientInformer } from './kube/resilient-informer.js';
import { watchedResources } from './kube/watched-resources.js';
import { KubemetaKeys, KubemetaWriter, type Logger } from '@flowmesh/lib';
import { type SyncMetrics, createSyncMetrics } from './metrics.js';
import { ClusterState, type WatchedKind } from './view/cluster-state.js';
import { ViewSync, type ViewSyncOptions } from './view/view-sync.js';

export interface LeaseSettings {
  namespace: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface MetadataSyncSettings {
  /** Where the API server is, or a ready KubeConfig. */
  kube: KubeConnectionOptions | KubeConfig;
  /** A connection this replica may use for writes (not one in subscriber mode). */
  redis: Redis;
  /** @default 'km' */
  viewPrefix?: string;
  identity: string;
  tombstoneRetentionMs: number;
  /** null: no election, this replica always writes. */
  lease: LeaseSettings | null;
  view: Omit<ViewSyncOptions, 'identity'>;
  informers: InformerTiming;
  logger: Logger;
  registry: Registry;
}

export class MetadataSync {
  readonly state: ClusterState;
  readonly view: ViewSync;
  readonly informers: ResilientInformer[];
  readonly metrics: SyncMetrics;
  private readonly elector: LeaseElector | undefined;

  constructor(private readonly settings: MetadataSyncSettings) {
    const config = settings.kube instanceof KubeConfig ? settings.kube : buildKubeConfig(settings.kube);
    const logger = settings.logger;
    let view: ViewSync | undefined;
    this.state = new ClusterState({ retentionMs: settings.tombstoneRetentionMs, onKeysChanged: (names) => view?.markChanged(names) });
    this.metrics = createSyncMetrics(settings.registry, {
      liveObjects: (kind) => this.state.liveCount(kind),
      viewKeys: () => this.state.records.keyCounts(),
      tombstones: () => this.state.records.tombstoneCount,
      pendingKeys: () => this.view.pendingKeys,
      viewBytes: () => this.view.viewBytes,
      isLeader: () => this.view.isLeading,
    });
    const handlers = {
      upsert: (kind: WatchedKind, object: KubernetesObject) => this.state.upsert(kind, object),
      remove: (kind: WatchedKind, object: KubernetesObject, observedAt: number) => this.state.remove(kind, object, observedAt),
    };
    this.informers = watchedResources(config).map((resource) => new ResilientInformer(config, resource, handlers, this.metrics, logger, settings.informers));
    const writer = new KubemetaWriter(settings.redis, new KubemetaKeys(settings.viewPrefix ?? 'km'));
    this.view = view = new ViewSync(this.state, writer, () => this.whenSynced(), this.metrics, logger, { ...settings.view, identity: settings.identity });
    if (settings.lease) {
      this.elector = new LeaseElector({
        api: config.makeApiClient(CoordinationV1Api),
        identity: settings.identity,
        logger,
        ...settings.lease,
        onStartedLeading: () => {
          logger.info({ identity: settings.identity }, 'became the view writer');
          this.view.becomeLeader();
        },
        onStoppedLeading: () => {
          logger.info({ identity: settings.identity }, 'stopped writing the view');
          this.view.stepDown();
        },
      });
    }
  }

  start(): this {
    let lastError = '';
    this.settings.redis.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one line per distinct error is enough.
      if (error.message !== lastError) this.settings.logger.warn({ err: error.message }, 'Redis connection error');
      lastError = error.message;
    });
    // A Redis that comes back may have lost the view (no persistence, failover to an empty replica): rebuild.
    let connectedBefore = this.settings.redis.status === 'ready';
    this.settings.redis.on('ready', () => {
      lastError = '';
      if (connectedBefore) {
        this.settings.logger.info('Redis reconnected; re-syncing the view');
        this.view.resyncNow('resync after Redis reconnected');
      }
      connectedBefore = true;
    });
    for (const informer of this.informers) informer.start();
    this.view.start();
    if (this.elector) this.elector.start();
    else this.view.becomeLeader();
    return this;
  }

  get identity(): string {
    return this.settings.identity;
  }

  /** True while this replica holds the Lease (or runs without election). */
  get isLeader(): boolean {
    return this.view.isLeading;
  }

  get informersSynced(): boolean {
    return this.informers.every((i) => i.hasSynced);
  }

  async whenSynced(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.synced));
  }

  /** Every informer's last resourceVersion (advanced by bookmarks on quiet kinds). */
  resourceVersions(): Record<string, string> {
    return Object.fromEntries(this.informers.map((i) => [i.kind, i.resourceVersion]));
  }

  /** Readiness: informers listed, and a writer has finished its take-over sync. */
  readiness(): true | string {
    if (!this.informersSynced) return `waiting for informers: ${this.informers.filter((i) => !i.hasSynced).map((i) => i.kind).join(', ')}`;
    if (this.view.isLeading && !this.view.isSynced) return 'taking over the view';
    return true;
  }

  /** Graceful stop: hands the Lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    await this.elector?.stop({ release: true });
    await this.halt();
  }

  /** Stops without releasing the Lease, as a crashed replica would (tests). */
  async crash(): Promise<void> {
    await this.elector?.stop({ release: false });
    await this.halt();
  }

  private async halt(): Promise<void> {
    await this.view.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
