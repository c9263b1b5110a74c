/** Wires the joiner from its config: the join core, its processor in the shared stage loop, metrics. */
import {
  createKafka,
  defineServiceCommand,
  kafkaConnectionProblems,
  RecordCodec,
  runServiceCommand,
  startStage,
  type RunningService,
  type RunningStream,
  type ServiceContext,
  type ServiceHandle,
} from '@flowmesh/lib';
import type { Admin } from 'kafkajs';
import { attachCommitNotes } from './commit-notes.js';
import { JoinCore } from './join-core.js';
import { joinProjection } from './join-half.js';
import { registerJoinerMetrics } from './joiner-metrics.js';
import { JoinerProcessor, type JoinerProcessorOptions } from './joiner-processor.js';
import { joinerConfigProblems, joinerOptions, joinSettings, type JoinerConfig } from './options.js';
import { ReadProgress, type CommittedPosition } from './read-progress.js';

export interface RunningJoiner extends RunningService {
  core: JoinCore;
  progress: ReadProgress;
  /** The consumer loop (its kafkajs consumer emits instrumentation events). */
  stream: RunningStream;
}

export const DEFAULT_GROUP_ID = 'flowmesh-joiner';

export interface JoinerExtras {
  /** Sees every record once the broker has acknowledged it (embedding, tests). */
  observe?: JoinerProcessorOptions['observe'];
}

/** Starts the joiner inside a service context (logger, registry, health). */
export async function startJoiner(context: ServiceContext, config: JoinerConfig, extras: JoinerExtras = {}): Promise<RunningJoiner> {
  const { logger, registry } = context;
  const settings = joinSettings(config);
  const core = new JoinCore(settings);
  const progress = new ReadProgress();
  const groupId = config.groupId ?? DEFAULT_GROUP_ID;
  // Few retries: a lookup still retrying when the member stops (broker gone) would keep the
  // process up for minutes, and without it the member only counts and withholds less.
  const admin = createKafka(config, logger).admin({ retry: { retries: 4 } });
  await admin.connect();
  // The first offset lookup finds the group coordinator, and kafkajs retries it once after a
  // metadata refresh (~300 ms); doing it now, while the consumer joins, keeps that wait out
  // of the first batches after the assignment (they wait for the previous owner's position).
  void admin.fetchOffsets({ groupId, topics: [config.inputTopic] }).catch(() => undefined);
  registerJoinerMetrics(registry, {
    stats: core.stats,
    rereads: progress.counts,
    partitions: () => core.view(),
    maxPending: settings.maxPending,
    now: Date.now,
  });

  let processor: JoinerProcessor | undefined;
  let lastFetchAt = Date.now();
  const stage = await startStage(context, { ...config, groupId }, {
    stage: 'joiner',
    inputTopic: config.inputTopic,
    outputTopic: config.outputTopic,
    inputRecord: 'FlowHalf',
    outputRecord: 'JoinedFlow',
    inputDecoder: joinProjection,
    tickMs: config.tickMs,
    createProcessor: (outputCodec) =>
      (processor = new JoinerProcessor({
        core,
        outputCodec,
        inputCodec: RecordCodec.local('FlowHalf'),
        progress,
        committedPositions: (partitions) => committedPositions(admin, groupId, config.inputTopic, partitions),
        logger,
        lastFetchAt: () => lastFetchAt,
        ...(extras.observe ? { observe: extras.observe } : {}),
      })),
    onStopped: () => admin.disconnect(),
  });
  const { consumer } = stage.stream;
  consumer.on(consumer.events.FETCH, () => {
    lastFetchAt = Date.now();
  });
  attachCommitNotes(consumer, config.inputTopic, (partition, offset) => processor?.commitNote(partition, offset) ?? null);
  logger.info({ inputTopic: config.inputTopic, outputTopic: config.outputTopic, groupId, settings }, 'joiner running');
  return { core, progress, stream: stage.stream, stop: () => stage.stop() };
}

async function committedPositions(admin: Admin, groupId: string, topic: string, partitions: readonly number[]): Promise<Map<number, CommittedPosition>> {
  const [found] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const wanted = new Set(partitions);
  return new Map(
    (found?.partitions ?? [])
      .filter((p) => wanted.has(p.partition))
      .map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata }]),
  );
}

/** `flowmesh joiner`: what the CLI registers. */
export const joinerCommand = defineServiceCommand({
  name: 'joiner',
  summary: 'Pair the two halves of every conversation (flowmesh.halves.v1 -> flowmesh.joined.v1), one record per half.',
  options: joinerOptions,
  validate: (config) => [...kafkaConnectionProblems(config), ...joinerConfigProblems(config)],
  start: (context, config) => startJoiner(context, config),
});

/** Runs the joiner from parsed options until SIGTERM/SIGINT (or `shutdown()` on the handle). */
export function runJoiner(config: JoinerConfig, options: { installSignalHandlers?: boolean } = {}): Promise<ServiceHandle> {
  return runServiceCommand(joinerCommand, config, options);
}
