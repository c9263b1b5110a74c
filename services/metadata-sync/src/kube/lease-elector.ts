/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection package does it (client-node 1.4 has none). A candidate takes
 * the Lease when it is free or its holder stopped renewing it for
 * leaseDurationSeconds, measured on the candidate's own clock from when it
 * last saw the record change, so clock skew between replicas does not matter.
 * Optimistic concurrency (resourceVersion) settles races. The leader renews
 * every retry period and steps down by itself if it could not renew for the
 * renew deadline, which is shorter than the lease duration: it stops writing
 * before anyone else can take over.
 */
import type { CoordinationV1Api, V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import type { Logger } from '@flowmesh/lib';
import { timeMs } from '../view/object-fields.js';

export interface LeaseElectorOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits, which the API server insists on. */
function microTime(at: number): Date {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export class LeaseElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewedAt = 0;
  /** The record as last read, and when (local clock) it last changed. */
  private observed: { key: string; at: number } | undefined;
  private current: string | undefined;
  /** The acquire/renew request in flight, which stop() lets finish before releasing. */
  private attempt: Promise<boolean> | undefined;

  constructor(private readonly options: LeaseElectorOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new Error('renewDeadlineMs must be shorter than leaseDurationMs');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The identity holding the Lease as last seen. */
  get holder(): string | undefined {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.cycle();
  }

  /** Stops campaigning; with `release`, a leader hands the Lease back so a standby takes over at once. */
  async stop(options: { release: boolean }): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt?.catch(() => undefined);
    const wasLeading = this.leading;
    this.setLeading(false);
    // Release also what an attempt in flight may just have acquired.
    if (options.release && (wasLeading || this.current === this.options.identity)) await this.release().catch((error) => this.options.logger.warn({ err: error }, 'could not release the lease'));
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    try {
      this.attempt = this.tryAcquireOrRenew();
      const acquired = await this.attempt;
      if (acquired) this.lastRenewedAt = Date.now();
      if (this.stopped) return;
      if (acquired && !this.leading) this.setLeading(true);
      // Someone else holds a valid lease: stop writing now rather than at the renew deadline.
      if (!acquired && this.leading && this.current && this.current !== this.options.identity) this.setLeading(false);
      else if (!acquired && this.leading) this.stepDownIfOverdue('lease not renewable');
    } catch (error) {
      this.options.logger.warn({ err: error, lease: this.options.name }, 'lease request failed');
      if (this.leading) this.stepDownIfOverdue('renew failed');
    }
    if (this.stopped) return;
    const jitter = this.leading ? 1 : 1 + Math.random() * 0.2;
    this.timer = setTimeout(() => void this.cycle(), this.options.retryPeriodMs * jitter);
  }

  private stepDownIfOverdue(reason: string): void {
    if (Date.now() - this.lastRenewedAt >= this.options.renewDeadlineMs) {
      this.options.logger.warn({ reason, lease: this.options.name }, 'lost leadership');
      this.setLeading(false);
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private spec(previous: V1LeaseSpec | undefined, now: number): V1LeaseSpec {
    const takingOver = previous?.holderIdentity !== this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000)),
      acquireTime: takingOver ? microTime(now) : (previous?.acquireTime ?? microTime(now)),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (takingOver && previous?.holderIdentity ? 1 : 0),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.options;
    const now = Date.now();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      try {
        await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(undefined, now) } });
        this.current = identity;
        return true;
      } catch (createError) {
        if (statusOf(createError) === 409) return false;
        throw createError;
      }
    }
    const spec = lease.spec;
    this.current = spec?.holderIdentity || undefined;
    const key = `${spec?.holderIdentity}|${String(spec?.renewTime)}|${lease.metadata?.resourceVersion}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
    const heldByOther = !!spec?.holderIdentity && spec.holderIdentity !== identity;
    const durationMs = (spec?.leaseDurationSeconds ?? 0) * 1000;
    if (heldByOther && this.observed.at + durationMs > now) return false;
    try {
      const updated = await api.replaceNamespacedLease({
        name,
        namespace,
        body: { metadata: { ...lease.metadata, name, namespace }, spec: this.spec(spec, now) },
      });
      if (heldByOther) this.options.logger.info({ previous: spec?.holderIdentity, renewedAt: timeMs(spec?.renewTime) }, 'took over an expired lease');
      this.observed = { key: `${identity}|${String(updated.spec?.renewTime)}|${updated.metadata?.resourceVersion}`, at: now };
      this.current = identity;
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  private async release(): Promise<void> {
    const { api, namespace, name, identity } = this.options;
    const lease = await api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    await api.replaceNamespacedLease({
      name,
      namespace,
      body: {
        metadata: lease.metadata ?? { name, namespace },
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
      },
    });
  }
}
