/** `flowmesh metadata-sync`: the service command the CLI registers, and the function that runs it from a parsed config. */
import { hostname } from 'node:os';
import { OperatorError, type RunningService, type ServiceContext, connectRedis, defineServiceCommand } from '@flowmesh/lib';
import type { MetadataSyncSettings } from './metadata-sync.js';
import { type MetadataSyncConfig, metadataSyncOptions } from './options.js';

/** The replica settings a validated config describes (the Redis connection and shell context come from the caller). */
export function settingsFromConfig(config: MetadataSyncConfig, context: Pick<ServiceContext, 'logger' | 'registry'>, redis: MetadataSyncSettings['redis']): MetadataSyncSettings {
  return {
    kube: {
      ...(config.kubeApi ? { kubeApi: config.kubeApi } : {}),
      ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
      ...(config.kubeContext ? { kubeContext: config.kubeContext } : {}),
    },
    redis,
    viewPrefix: config.viewPrefix,
    identity: config.identity ?? `${hostname()}-${process.pid}`,
    tombstoneRetentionMs: config.tombstoneRetentionMs,
    lease: config.leaderElection
      ? {
          namespace: config.leaseNamespace,
          name: config.leaseName,
          leaseDurationMs: config.leaseDurationMs,
          renewDeadlineMs: config.renewDeadlineMs,
          retryPeriodMs: config.retryPeriodMs,
        }
      : null,
    view: {
      flushIntervalMs: config.flushIntervalMs,
      maxKeysPerFlush: config.maxKeysPerFlush,
      announceAllAbove: config.announceAllAbove,
      sweepIntervalMs: config.sweepIntervalMs,
      resyncIntervalMs: config.resyncIntervalMs,
      retryInitialMs: config.redisBackoffInitialMs,
      retryMaxMs: config.redisBackoffMaxMs,
    },
    informers: {
      backoffInitialMs: config.apiBackoffInitialMs,
      backoffMaxMs: config.apiBackoffMaxMs,
      watchTimeoutSeconds: config.watchTimeoutSeconds,
    },
    logger: context.logger,
    registry: context.registry,
  };
}

/** Starts metadata-sync inside the service shell: health checks wired, stops on shutdown. */
export async function startMetadataSync(context: ServiceContext, config: MetadataSyncConfig): Promise<RunningService> {
  // Loaded here, not at the top: the Kubernetes client alone costs most of a second of every other command's start.
  const [{ kubeSourceProblems }, { MetadataSync }] = await Promise.all([import('./kube/kube-config.js'), import('./metadata-sync.js')]);
  // Checked on the machine it runs on (not with the config: a manifest is valid before the pod has its kubeconfig).
  const noApi = kubeSourceProblems(config);
  if (noApi.length) throw new OperatorError(noApi.join('; '), 2);
  const redis = connectRedis(config, {}, context.logger);
  const sync = new MetadataSync(settingsFromConfig(config, context, redis)).start();
  context.health.addReadiness('kubemeta', () => sync.readiness());
  return {
    async stop() {
      await sync.stop();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export const metadataSyncCommand = defineServiceCommand({
  name: 'metadata-sync',
  summary: 'Watch the Kubernetes API and keep the kubemeta view (who held which IP when, pods, workloads, services, nodes) in Redis',
  options: metadataSyncOptions,
  validate(config) {
    return [
      ...(config.leaderElection && config.renewDeadlineMs >= config.leaseDurationMs
        ? [`--renew-deadline-ms (${config.renewDeadlineMs}) must be below --lease-duration-ms (${config.leaseDurationMs})`]
        : []),
    ];
  },
  start: startMetadataSync,
});
