/**
 * The enricher as its own process, as `flowmesh enricher` runs it (config from
 * the JSON flags in argv[2], SIGTERM handling, JSON logs on stdout), over the
 * fixture cluster's view in memory instead of Redis.
 */
import { loadConfig } from '@flowmesh/lib';
import { enricherOptions } from '../../src/options.js';
import { runEnricher } from '../../src/run.js';
import { MemorySource } from './memory-source.js';

const flags = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
await runEnricher(loadConfig(enricherOptions, { env: {}, flags }), { deps: { source: new MemorySource(), geo: null } });
