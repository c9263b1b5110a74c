/**
 * A client-node informer (ListWatch) that never gives up. The informer itself
 * resumes from its resourceVersion when a watch ends and relists on 410 Gone,
 * but stops for good on any other error (a broken connection, a 5xx, a failed
 * list); here those restart it after an exponential back-off with jitter.
 */
import { type KubeConfig, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { Logger } from '@flowmesh/lib';
import type { SyncMetrics } from '../metrics.js';
import type { WatchedKind } from '../view/cluster-state.js';
import { BookmarkingWatch } from './bookmarking-watch.js';
import type { WatchedResource } from './watched-resources.js';

export interface InformerHandlers {
  upsert(kind: WatchedKind, object: KubernetesObject): void;
  remove(kind: WatchedKind, object: KubernetesObject, observedAt: number): void;
}

export interface InformerTiming {
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Base server-side watch timeout; each watch asks for up to twice this. */
  watchTimeoutSeconds: number;
}

function isAbort(error: unknown): boolean {
  const e = error as { name?: string; type?: string } | null;
  return e?.name === 'AbortError' || e?.type === 'aborted';
}

export class ResilientInformer {
  private readonly informer: ListWatch<KubernetesObject>;
  private stopped = false;
  private hasListed = false;
  private connects = 0;
  private failures = 0;
  private errorCount = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private resolveSynced!: () => void;
  /** Resolves once the first list has been delivered. */
  readonly synced: Promise<void> = new Promise((resolve) => (this.resolveSynced = resolve));

  constructor(
    config: KubeConfig,
    private readonly resource: WatchedResource,
    handlers: InformerHandlers,
    private readonly metrics: SyncMetrics,
    private readonly logger: Logger,
    private readonly timing: InformerTiming,
  ) {
    const watch = new BookmarkingWatch(config, () => Math.round(timing.watchTimeoutSeconds * (1 + Math.random())));
    this.informer = new ListWatch(resource.path, watch, resource.list, false);
    const kind = resource.kind;
    const guarded = (what: string, fn: (object: KubernetesObject) => void) => (object: KubernetesObject) => {
      try {
        fn(object);
      } catch (error) {
        this.logger.error({ err: error, kind, name: object.metadata?.name }, `failed to apply ${what}`);
      }
    };
    this.informer.on('add', guarded('add', (o) => handlers.upsert(kind, o)));
    this.informer.on('update', guarded('update', (o) => handlers.upsert(kind, o)));
    this.informer.on('delete', guarded('delete', (o) => handlers.remove(kind, o, Date.now())));
    this.informer.on('connect', () => this.onConnect());
    this.informer.on('error', (error) => this.onError(error));
  }

  get kind(): WatchedKind {
    return this.resource.kind;
  }

  get hasSynced(): boolean {
    return this.hasListed;
  }

  get resourceVersion(): string {
    return this.informer.latestResourceVersion();
  }

  start(): void {
    this.stopped = false;
    this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
    // A list in flight goes on to open a watch once it returns (the informer does not look again): stop that one too.
    const settled = await Promise.race([this.running?.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000).unref())]);
    if (settled) await this.informer.stop();
  }

  private run(): void {
    this.running = this.runOnce();
  }

  private async runOnce(): Promise<void> {
    const errorsBefore = this.errorCount;
    try {
      await this.informer.start();
    } catch (error) {
      this.onError(error);
      return;
    }
    if (this.informer.latestResourceVersion() !== '' && !this.hasListed) {
      this.hasListed = true;
      this.resolveSynced();
      this.logger.info({ kind: this.kind, objects: this.informer.list().length }, 'informer synced');
    }
    if (this.errorCount === errorsBefore) this.failures = 0;
  }

  private onConnect(): void {
    this.connects += 1;
    if (this.connects > 1) this.metrics.watchRestarts.inc({ kind: this.kind });
    // The informer lists whenever it has no resourceVersion to resume from; after the first time that is a relist.
    if (this.hasListed && this.informer.latestResourceVersion() === '') {
      this.metrics.relists.inc({ kind: this.kind });
      this.logger.info({ kind: this.kind }, 'relisting (resourceVersion expired or lost)');
    }
  }

  private onError(error: unknown): void {
    // Our own stop() aborts the request in flight; the informer reports that as an error too.
    if (this.stopped || isAbort(error)) return;
    this.errorCount += 1;
    this.failures += 1;
    this.metrics.apiErrors.inc({ kind: this.kind });
    const delay = Math.min(this.timing.backoffMaxMs, this.timing.backoffInitialMs * 2 ** (this.failures - 1)) * (0.5 + Math.random() / 2);
    this.logger.warn({ kind: this.kind, err: describe(error), retryInMs: Math.round(delay) }, 'list/watch failed; restarting after back-off');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped) this.run();
    }, delay);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown; statusCode?: unknown }).statusCode ?? (error as { code?: unknown }).code;
    return code !== undefined ? `${code}: ${error.message.split('\n')[0]}` : error.message;
  }
  return String(error);
}
