/** The joiner's options: the shared groups plus its own, each with its default and doc. */
import { CidrSet, TOPICS, consumerOptions, defineOptions, kafkaOptions, serviceOptionsOn, type ConfigOf } from '@flowmesh/lib';
import { DEFAULT_JOIN_SETTINGS, type JoinSettings } from './join-settings.js';

const d = DEFAULT_JOIN_SETTINGS;

export const joinerOwnOptions = defineOptions({
  inputTopic: { type: 'string', doc: 'Topic of flow halves to join.', default: TOPICS.halves },
  outputTopic: { type: 'string', doc: 'Topic of joined flows (one per input half, same key).', default: TOPICS.joined },
  skewWindows: {
    type: 'int',
    doc: 'Clock-skew tolerance: how many neighbouring export windows on each side a half may find its peer in (each adds one window to how long an unmatched half waits).',
    default: d.skewWindows,
    min: 0,
    max: 10,
  },
  graceMs: { type: 'int', doc: 'How long after a window ends (event time) its halves may still arrive and pair.', default: d.graceMs, min: 0 },
  idleTimeoutMs: {
    type: 'int',
    doc: 'A partition that receives nothing for this long (wall clock) emits every half it holds, so unmatched halves leave when input stops.',
    default: d.idleTimeoutMs,
    min: 100,
  },
  maxPending: {
    type: 'int',
    doc: 'Most halves held waiting for a peer, over all partitions of this member; beyond it the oldest are emitted early as PEER_MISSING (and counted). Halves kept as context after pairing are capped at the same number.',
    default: d.maxPending,
    min: 1,
  },
  maxClockAheadMs: {
    type: 'int',
    doc: 'A half whose window ends further than this ahead of the joiner\'s clock is still joined but does not advance event time (one bad clock must not close everyone\'s windows).',
    default: d.maxClockAheadMs,
    min: 0,
  },
  clusterCidrs: {
    type: 'list',
    doc: 'CIDRs of pods, nodes and Services; a peer address outside them (and outside --service-cidrs and loopback) is EXTERNAL and emitted at once.',
    default: d.clusterCidrs,
  },
  serviceCidrs: {
    type: 'list',
    doc: 'Service virtual IP ranges (the API server\'s --service-cluster-ip-range); a client half naming one pairs with the server half naming the pod behind it.',
    default: d.serviceCidrs,
  },
  tickMs: { type: 'int', doc: 'How often idle partitions are checked (wall clock).', default: 1_000, min: 10 },
});

export const joinerOptions = defineOptions({
  ...serviceOptionsOn(9401),
  ...kafkaOptions,
  ...consumerOptions,
  ...joinerOwnOptions,
});

export type JoinerConfig = ConfigOf<typeof joinerOptions>;

export function joinSettings(config: JoinerConfig): JoinSettings {
  return {
    skewWindows: config.skewWindows,
    graceMs: config.graceMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxPending: config.maxPending,
    maxClockAheadMs: config.maxClockAheadMs,
    clusterCidrs: config.clusterCidrs,
    serviceCidrs: config.serviceCidrs,
  };
}

/** Problems spanning options, reported with every other config problem. */
export function joinerConfigProblems(config: JoinerConfig): string[] {
  const problems = [
    ...CidrSet.problems(config.clusterCidrs).map((p) => `--cluster-cidrs: ${p}`),
    ...CidrSet.problems(config.serviceCidrs).map((p) => `--service-cidrs: ${p}`),
  ];
  if (config.inputTopic === config.outputTopic) problems.push('--input-topic and --output-topic must differ');
  if (config.idleTimeoutMs < config.tickMs) problems.push('--idle-timeout-ms must be at least --tick-ms');
  return problems;
}
