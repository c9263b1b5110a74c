/** Builds a BatchEnricher over any MetadataSource with test-friendly settings. */
import { BatchEnricher } from '../../src/enrich/batch-enricher.js';
import type { GeoLookup } from '../../src/geo/geoip.js';
import { CachedMetadata, type CacheEvents, type CacheOptions } from '../../src/metadata/cached-metadata.js';
import type { MetadataSource } from '../../src/metadata/source.js';

export const TEST_CACHE: CacheOptions = {
  maxEntries: 10_000,
  ttlMs: 60_000,
  negativeTtlMs: 5_000,
  lookupTimeoutMs: 500,
  backoff: { initialMs: 50, maxMs: 400 },
};

export function testEnricher(
  source: MetadataSource,
  options: { geo?: GeoLookup | null; cache?: Partial<CacheOptions>; events?: CacheEvents; now?: () => number } = {},
): { enricher: BatchEnricher; metadata: CachedMetadata } {
  const metadata = new CachedMetadata(source, { ...TEST_CACHE, ...options.cache }, options.events, options.now);
  const enricher = new BatchEnricher(metadata, options.geo ?? null, { clusterId: 'test-cluster', skewToleranceMs: 15_000, clusterRanges: null });
  return { enricher, metadata };
}
