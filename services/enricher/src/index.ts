/**
 * @flowmesh/enricher — attaches pod, workload, service, node, labels and geo to
 * every joined flow (flowmesh.joined.v1 → flowmesh.flows.v1, optional JSON topic).
 *
 * The CLI registers `enricherCommand` (name, options, validation, start);
 * `runEnricher(config)` runs it from an already parsed config until
 * SIGTERM/SIGINT, and `startEnricher` inside an existing service context.
 */
export { enricherOptions, enricherOwnOptions, enricherConfigProblems, type EnricherConfig } from './options.js';
export { enricherCommand, runEnricher, startEnricher, parseCidrs, type EnricherDependencies, type RunningEnricher } from './run.js';

// The parts, for tests, benchmarks and other embeddings.
export { EnricherProcessor, type EnricherProcessorOptions, type JsonOutput } from './enricher-processor.js';
export { BatchEnricher, type EnrichSettings, type EnrichEvents } from './enrich/batch-enricher.js';
export { CachedMetadata, type CacheOptions, type CacheEvents, type Answer, type Provenance } from './metadata/cached-metadata.js';
export { createKubemetaSource, type KubemetaSourceOptions } from './metadata/kubemeta-source.js';
export type { MetadataSource, MetadataChange, ChangeListener, KeysByKind, ValuesByKind, LookupKind } from './metadata/source.js';
export { openGeoLookup, MaxmindGeoLookup, NO_GEO, type GeoLookup, type GeoInfo, type GeoDatabases } from './geo/geoip.js';
export { JSON_SHAPES, JSON_SHAPE_NAMES, encodeJson, type JsonShape } from './output/json/json-shapes.js';
export { enricherMetrics, type EnricherMetrics } from './metrics.js';
