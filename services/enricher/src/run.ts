/**
 * Wires the enricher from its config: Redis (kubemeta view + announcements),
 * the cache, optional GeoIP, and the shared Kafka stage loop.
 */
import {
  CidrSet,
  connectRedis,
  defineServiceCommand,
  kafkaConnectionProblems,
  maskUrlCredentials,
  runServiceCommand,
  startStage,
  type Logger,
  type RunningService,
  type ServiceContext,
  type ServiceHandle,
} from '@flowmesh/lib';
import { BatchEnricher } from './enrich/batch-enricher.js';
import { joinedFactsProjection } from './enrich/joined-facts.js';
import { EnricherProcessor } from './enricher-processor.js';
import { openGeoLookup, type GeoLookup } from './geo/geoip.js';
import { CachedMetadata } from './metadata/cached-metadata.js';
import { createKubemetaSource } from './metadata/kubemeta-source.js';
import type { MetadataSource } from './metadata/source.js';
import { cacheEventsFor, enrichEventsFor, enricherMetrics } from './metrics.js';
import { enricherConfigProblems, enricherOptions, type EnricherConfig } from './options.js';

export interface EnricherDependencies {
  /** Replaces the Redis view (tests, embedding). */
  source?: MetadataSource;
  /** Replaces the databases named by --geoip-db / --asn-db. */
  geo?: GeoLookup | null;
}

export interface RunningEnricher extends RunningService {
  metadata: CachedMetadata;
}

/** Starts the enricher inside a service context (logger, registry, health). */
export async function startEnricher(context: ServiceContext, config: EnricherConfig, deps: EnricherDependencies = {}): Promise<RunningEnricher> {
  const { logger, registry } = context;
  let metadata: CachedMetadata | undefined;
  const metrics = enricherMetrics(registry, () => metadata?.size ?? 0);
  const owned = deps.source ? null : await connectKubemeta(config, logger, () => metrics.redisErrors.inc());
  const source = deps.source ?? owned!.source;

  const cacheEvents = cacheEventsFor(metrics);
  metadata = new CachedMetadata(
    source,
    {
      maxEntries: config.cacheMaxEntries,
      ttlMs: config.cacheTtlMs,
      negativeTtlMs: config.cacheNegativeTtlMs,
      lookupTimeoutMs: config.redisTimeoutMs,
      backoff: { initialMs: config.redisBackoffInitialMs, maxMs: config.redisBackoffMaxMs },
    },
    {
      ...cacheEvents,
      storeStateChanged(state) {
        cacheEvents.storeStateChanged?.(state);
        if (state === 'down') logger.warn('Redis unreachable: serving from cache, records marked STALE or PARTIAL');
        else logger.info('Redis reachable again');
      },
      storeError(error) {
        cacheEvents.storeError?.(error);
        logger.debug({ err: (error as Error)?.message }, 'Redis read failed');
      },
    },
  );
  // Not awaited: with Redis down at start the subscription completes when it comes up; the cache TTL bounds staleness meanwhile.
  let unsubscribe: () => Promise<void> = async () => {};
  metadata.subscribe().then(
    (fn) => (unsubscribe = fn),
    (error: Error) => logger.warn({ err: error.message }, 'cannot subscribe to kubemeta announcements; relying on cache TTL'),
  );

  const geo = deps.geo !== undefined ? deps.geo : await openGeoLookup({ geoipDb: config.geoipDb, asnDb: config.asnDb });
  const enricher = new BatchEnricher(
    metadata,
    geo,
    { clusterId: config.clusterId, skewToleranceMs: config.skewToleranceMs, clusterRanges: parseCidrs(config.clusterCidrs) },
    enrichEventsFor(metrics),
  );
  const json = config.jsonFormat === 'none' ? null : { topic: config.jsonTopic, shape: config.jsonFormat };

  const stage = await startStage(context, config, {
    stage: 'enricher',
    inputTopic: config.inputTopic,
    outputTopic: config.outputTopic,
    extraTopics: json ? [json.topic] : [],
    inputRecord: 'JoinedFlow',
    outputRecord: 'EnrichedFlow',
    tickMs: 0,
    inputDecoder: joinedFactsProjection,
    createProcessor: (codec) => {
      const processor = new EnricherProcessor({ enricher, codec, avroTopic: config.outputTopic, json, metrics });
      if (processor.fallbackReason) logger.warn({ reason: processor.fallbackReason }, 'EnrichedFlow records are encoded from objects (slower): the byte writer does not know this schema');
      return processor;
    },
    async onStopped() {
      // Closing our own connections ends the subscription; an UNSUBSCRIBE would wait for a Redis that may be down.
      if (owned) await owned.close();
      else await unsubscribe();
    },
  });
  logger.info(
    { inputTopic: config.inputTopic, outputTopic: config.outputTopic, json, geo: geo !== null, clusterId: config.clusterId },
    'enricher running',
  );
  return { metadata, stop: () => stage.stop() };
}

/** `flowmesh enricher`, as the CLI registers it: name, options, validation, start. */
export const enricherCommand = defineServiceCommand({
  name: 'enricher',
  summary: 'Attach pod, workload, service, node, labels and geo to every joined flow (flowmesh.joined.v1 -> flowmesh.flows.v1).',
  options: enricherOptions,
  validate: (config) => [...kafkaConnectionProblems(config), ...enricherConfigProblems(config)],
  start: (context, config) => startEnricher(context, config),
});

/** Runs the enricher from parsed options until SIGTERM/SIGINT (or `shutdown()` on the handle). */
export function runEnricher(config: EnricherConfig, options: { installSignalHandlers?: boolean; deps?: EnricherDependencies } = {}): Promise<ServiceHandle> {
  const { deps } = options;
  const command = deps ? { ...enricherCommand, start: (context: ServiceContext, c: EnricherConfig) => startEnricher(context, c, deps) } : enricherCommand;
  return runServiceCommand(command, config, options);
}

async function connectKubemeta(config: EnricherConfig, logger: Logger, countError: () => void): Promise<{ source: MetadataSource; close(): Promise<void> }> {
  // Reconnect on the enricher's own backoff, so recovery follows --redis-backoff-max-ms.
  const retryStrategy = (attempt: number) =>
    Math.min(config.redisBackoffMaxMs, config.redisBackoffInitialMs * 2 ** Math.min(attempt, 20)) * (0.5 + Math.random() / 2);
  // Reads fail fast while Redis is away: the cache answers instead of a queue growing.
  const reads = connectRedis(config, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy });
  const announcements = connectRedis(config, { maxRetriesPerRequest: null, retryStrategy });
  for (const [name, client] of [['reads', reads], ['announcements', announcements]] as const) {
    client.on('error', (error: Error) => logger.debug({ connection: name, err: error.message }, 'Redis connection error'));
  }
  // Said once per outage, naming where and why; every failed attempt is counted (also before the first connection).
  let unreachable = false;
  reads.on('error', (error: Error) => {
    countError();
    if (unreachable) return;
    unreachable = true;
    logger.warn(`cannot reach Redis at ${maskUrlCredentials(config.redisUrl)} (--redis-url): ${error.message}; serving from cache, retrying`);
  });
  reads.on('ready', () => (unreachable = false));
  await waitReady(reads, config.redisTimeoutMs);
  return {
    source: createKubemetaSource(reads, announcements, { base: config.viewPrefix }),
    async close() {
      reads.disconnect();
      announcements.disconnect();
    },
  };
}

/** Waits (bounded) for the first connection; a Redis that is down at start is not fatal. */
function waitReady(client: { status: string; once(event: 'ready', cb: () => void): unknown }, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The --cluster-cidrs as a CidrSet; the CIDRs were validated with the config (enricherConfigProblems). */
export function parseCidrs(cidrs: readonly string[]): CidrSet | null {
  return cidrs.length === 0 ? null : CidrSet.parse(cidrs);
}
