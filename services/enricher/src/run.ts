/**
 * Wires the enricher from its config: Redis (kubemeta view + announcements),
 * the cache, optional GeoIP, and the shared Kafka stage loop.
 */
import { BlockList, isIP } from 'node:net';
import {
  connectRedis,
  runService,
  startStage,
  type Logger,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceHandle,
} from '@flowmesh/lib';
import { BatchEnricher } from './enrich/batch-enricher.js';
import { EnricherProcessor } from './enricher-processor.js';
import { openGeoLookup, type GeoLookup } from './geo/geoip.js';
import { CachedMetadata } from './metadata/cached-metadata.js';
import { createKubemetaSource } from './metadata/kubemeta-source.js';
import type { MetadataSource } from './metadata/source.js';
import { cacheEventsFor, enrichEventsFor, enricherMetrics } from './metrics.js';
import type { EnricherConfig } from './options.js';

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
  const owned = deps.source ? null : await connectKubemeta(config, logger);
  const source = deps.source ?? owned!.source;

  let metadata: CachedMetadata | undefined;
  const metrics = enricherMetrics(registry, () => metadata?.size ?? 0);
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
  const unsubscribe = await metadata.subscribe().catch((error: Error) => {
    // Not fatal: the cache TTL bounds staleness until the channel works.
    logger.warn({ err: error.message }, 'cannot subscribe to kubemeta announcements; relying on cache TTL');
    return async () => {};
  });

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
    createProcessor: (codec) => new EnricherProcessor({ enricher, codec, avroTopic: config.outputTopic, json, metrics }),
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

/** The enricher as a service definition for runService (the CLI's `flowmesh enricher`). */
export function enricherService(config: EnricherConfig, deps: EnricherDependencies = {}): ServiceDefinition {
  return {
    name: 'enricher',
    httpHost: config.httpHost,
    httpPort: config.httpPort,
    logLevel: config.logLevel,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    start: (context) => startEnricher(context, config, deps),
  };
}

/** Runs the enricher from parsed options until SIGTERM/SIGINT (or `shutdown()` on the handle). */
export function runEnricher(config: EnricherConfig, options: { installSignalHandlers?: boolean; deps?: EnricherDependencies } = {}): Promise<ServiceHandle> {
  return runService(enricherService(config, options.deps), options.installSignalHandlers ?? true);
}

async function connectKubemeta(config: EnricherConfig, logger: Logger): Promise<{ source: MetadataSource; close(): Promise<void> }> {
  // Reads fail fast while Redis is away: the cache answers instead of a queue growing.
  const reads = connectRedis(config, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const announcements = connectRedis(config, { maxRetriesPerRequest: null });
  for (const [name, client] of [['reads', reads], ['announcements', announcements]] as const) {
    client.on('error', (error: Error) => logger.debug({ connection: name, err: error.message }, 'Redis connection error'));
  }
  await waitReady(reads, config.redisTimeoutMs);
  return {
    source: createKubemetaSource(reads, announcements, { base: config.kubemetaPrefix }),
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

export function parseCidrs(cidrs: readonly string[]): BlockList | null {
  if (cidrs.length === 0) return null;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits = ''] = cidr.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    if (family === 0 || !Number.isInteger(prefix) || bits === '') throw new Error(`--cluster-cidrs: ${cidr} is not a CIDR (e.g. 10.244.0.0/16)`);
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

