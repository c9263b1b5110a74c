/**
 * The enricher's metrics, declared once, and the event hooks that feed them.
 * Records in/out of the Kafka loop itself are flowmesh_stream_records_{in,out}_total
 * (label stage="enricher"); these count what only the enricher knows.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Enrichment, ObjectType } from '@flowmesh/lib';
import type { CacheEvents } from './metadata/cached-metadata.js';
import type { EnrichEvents } from './enrich/batch-enricher.js';

/** `cacheSize` is read at scrape time. */
export function enricherMetrics(registry: Registry, cacheSize: () => number = () => 0) {
  const registers = [registry];
  const cacheRequests = new Counter({
    name: 'flowmesh_enricher_cache_requests_total',
    help: 'Metadata lookups by cache outcome: hit (fresh in cache), miss (read from Redis), stale (cache while Redis is down), unanswered (Redis down, not cached).',
    labelNames: ['result'],
    registers,
  });
  return {
    recordsIn: new Counter({ name: 'flowmesh_enricher_records_in_total', help: 'Joined flows handed to the enricher.', registers }),
    recordsOut: new Counter({ name: 'flowmesh_enricher_records_out_total', help: 'Messages produced, by topic.', labelNames: ['topic'], registers }),
    lookups: new Counter({
      name: 'flowmesh_enricher_lookups_total',
      help: 'Flow ends resolved, by what they resolved to (pod, service, node, external, unknown).',
      labelNames: ['result'],
      registers,
    }),
    enrichment: new Counter({ name: 'flowmesh_enricher_records_total', help: 'Enriched records by enrichment status (OK, PARTIAL, STALE).', labelNames: ['enrichment'], registers }),
    cacheRequests,
    cacheHitRatio: new Gauge({
      name: 'flowmesh_enricher_cache_hit_ratio',
      help: 'Share of metadata lookups answered from the in-process cache since start (hits and stale answers over all).',
      registers,
      async collect() {
        const values = (await cacheRequests.get()).values;
        const total = values.reduce((sum, v) => sum + v.value, 0);
        const cached = values.filter((v) => v.labels.result === 'hit' || v.labels.result === 'stale').reduce((sum, v) => sum + v.value, 0);
        this.set(total === 0 ? 0 : cached / total);
      },
    }),
    cacheEntries: new Gauge({
      name: 'flowmesh_enricher_cache_entries',
      help: 'Entries in the in-process metadata cache.',
      registers,
      collect() {
        this.set(cacheSize());
      },
    }),
    redisErrors: new Counter({ name: 'flowmesh_enricher_redis_errors_total', help: 'Failed or timed-out batches of Redis reads.', registers }),
    redisUp: new Gauge({ name: 'flowmesh_enricher_redis_up', help: '1 while Redis answers, 0 while the enricher serves from cache.', registers }),
    invalidations: new Counter({ name: 'flowmesh_enricher_cache_invalidations_total', help: 'Cache invalidations by announcement kind.', labelNames: ['kind'], registers }),
    geoLookups: new Counter({ name: 'flowmesh_enricher_geo_lookups_total', help: 'GeoIP lookups of external addresses, by whether a country or ASN was found.', labelNames: ['result'], registers }),
  };
}

export type EnricherMetrics = ReturnType<typeof enricherMetrics>;

export function cacheEventsFor(metrics: EnricherMetrics): CacheEvents {
  metrics.redisUp.set(1);
  return {
    cacheHit: (n) => metrics.cacheRequests.inc({ result: 'hit' }, n),
    cacheMiss: (n) => metrics.cacheRequests.inc({ result: 'miss' }, n),
    staleServed: (n) => metrics.cacheRequests.inc({ result: 'stale' }, n),
    unanswered: (n) => metrics.cacheRequests.inc({ result: 'unanswered' }, n),
    storeError: () => metrics.redisErrors.inc(),
    storeStateChanged: (state) => metrics.redisUp.set(state === 'up' ? 1 : 0),
    invalidated: (change) => metrics.invalidations.inc({ kind: change.kind }),
  };
}

export function enrichEventsFor(metrics: EnricherMetrics): EnrichEvents {
  return {
    resolved: (type: ObjectType, count: number) => metrics.lookups.inc({ result: type }, count),
    enriched: (status: Enrichment, count: number) => metrics.enrichment.inc({ enrichment: status }, count),
    geoLooked: (found: boolean, count: number) => metrics.geoLookups.inc({ result: found ? 'found' : 'not_found' }, count),
  };
}
