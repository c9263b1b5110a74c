/**
 * @flowmesh/joiner — pairs the halves of each conversation reported by the
 * two ends' node agents (flowmesh.halves.v1) and emits one JoinedFlow per
 * half (flowmesh.joined.v1). Semantics, settings and metrics: docs/joiner.md.
 *
 * The CLI registers `joinerCommand` (name, options, validation, start);
 * `runJoiner` runs it from an already parsed config.
 */
export { joinerCommand, runJoiner, startJoiner, DEFAULT_GROUP_ID, type RunningJoiner, type JoinerExtras } from './joiner-service.js';
export { joinerOptions, joinerOwnOptions, joinSettings, joinerConfigProblems, type JoinerConfig } from './options.js';
export { JoinCore, type PartitionView } from './join-core.js';
export { DEFAULT_JOIN_SETTINGS, type JoinSettings } from './join-settings.js';
export type { JoinStats } from './join-stats.js';
export type { Emission } from './emission.js';
export { JoinedFlowWriter } from './joined-flow-writer.js';
export { JOIN_FIELDS, joinProjection, halfBody, wholeHalf, type JoinHalf, type JoinRecord } from './join-half.js';
export { JoinerProcessor, type JoinerProcessorOptions } from './joiner-processor.js';
