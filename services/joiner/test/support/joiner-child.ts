/**
 * The joiner as its own process, as `flowmesh joiner` runs it: config from
 * the JSON flags in argv[2], SIGTERM handling, JSON logs on stdout.
 */
import { loadConfig } from '@flowmesh/lib';
import { joinerOptions, runJoiner } from '../../src/index.js';

const flags = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
await runJoiner(loadConfig(joinerOptions, { env: {}, flags }));
