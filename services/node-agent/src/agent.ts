/**
 * The node agent: checks the machine, starts a half source (eBPF probe or
 * synthetic cluster), and at every window boundary collects the halves of the
 * window that ended and publishes them to Kafka.
 */
import { hostname } from 'node:os';
import {
  createKafka,
  createProducer,
  defineServiceCommand,
  type FlowHalf,
  ensureTopics,
  kafkaConnectionProblems,
  RecordCodec,
  registryFromConfig,
  runServiceCommand,
  type ConfigOf,
  type RunningService,
  type ServiceContext,
  type ServiceHandle,
  type StageConfig,
} from '@flowmesh/lib';
import { probeProblems } from './capabilities.js';
import { agentMetrics } from './metrics.js';
import { netnsPath, netnsProblem } from './netns.js';
import { agentOptions } from './options.js';
import { probeConfigProblems } from './probes/probe-settings.js';
import { type RunningProbes, startProbes } from './probes/probe-supervisor.js';
import { DEFAULT_LOADER_PATH } from './probe/loader-process.js';
import { compileRedactor, DEFAULT_REDACTION_RULES, redactionRuleProblems } from './process/redact.js';
import { HalfPublisher } from './publisher.js';
import { EbpfSource } from './sources/ebpf-source.js';
import type { HalfSource } from './sources/half-source.js';
import { SyntheticSource } from './sources/synthetic-source.js';
import { WindowScheduler, type WindowTick } from './window.js';

export type AgentConfig = ConfigOf<typeof agentOptions>;

/** The machine cannot run the eBPF source; the message names everything missing. */
export class CapabilityError extends Error {
  override name = 'CapabilityError';
  readonly retriable = false;
  constructor(readonly problems: string[]) {
    super(`cannot capture with eBPF on this machine:\n  - ${problems.join('\n  - ')}\n(--source synthetic runs without eBPF)`);
  }
}

export function agentProblems(config: AgentConfig): string[] {
  const problems = [
    ...kafkaConnectionProblems(config),
    ...redactionRuleProblems(config.redactRules).map((p) => `--redact-rules: ${p}`),
    ...probeConfigProblems(config),
  ];
  if (config.netns) {
    const problem = netnsProblem(config.netns, config.procRoot);
    if (problem) problems.push(problem);
  }
  return problems;
}

function redactRules(config: AgentConfig): string[] {
  return [...(config.redactDefaults ? DEFAULT_REDACTION_RULES : []), ...config.redactRules];
}

async function startSource(context: ServiceContext, config: AgentConfig, node: string, metrics: ReturnType<typeof agentMetrics>): Promise<HalfSource> {
  const redact = compileRedactor(redactRules(config));
  if (config.source === 'synthetic') {
    return new SyntheticSource(
      {
        seed: config.syntheticSeed,
        nodes: config.syntheticNodes,
        conversationsPerSecond: config.syntheticRate,
        ...(config.syntheticReportNodes.length ? { reportingNodes: config.syntheticReportNodes } : {}),
      },
      redact,
      metrics,
    );
  }
  const loaderPath = config.probeLoader ?? DEFAULT_LOADER_PATH;
  const problems = probeProblems({ loaderPath });
  if (problems.length) throw new CapabilityError(problems);
  return EbpfSource.start({
    node,
    procRoot: config.procRoot,
    redact,
    metrics,
    logger: context.logger,
    loader: {
      loaderPath,
      ...(config.netns ? { netnsPath: netnsPath(config.netns, config.procRoot) } : {}),
      tcpMaxEntries: config.tcpMaxEntries,
      udpMaxEntries: config.udpMaxEntries,
      udpIdleMs: config.udpIdleMs,
      udpPeer: config.udpPeer,
    },
  });
}

/** Starts the agent inside a service shell context (what `flowmesh agent` runs). */
export async function startAgent(context: ServiceContext, config: AgentConfig): Promise<RunningService> {
  const { logger, registry, health } = context;
  const node = config.nodeName ?? hostname();
  const metrics = agentMetrics(registry);
  // /readyz answers while the probe loads: not ready until traffic is being captured
  let running = false;
  health.addReadiness('capturing', () => running || `starting the ${config.source} source`);
  const source = await startSource(context, config, node, metrics);
  let probes: RunningProbes | null = null;

  let producer: Awaited<ReturnType<typeof createProducer>> | undefined;
  let publisher: HalfPublisher;
  try {
    const kafka = createKafka(config, logger);
    await ensureTopics(kafka, [{ topic: config.halvesTopic, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor }], { logger });
    // only the schema-registry fields of the stage config are read
    const schemaRegistry = registryFromConfig(config as unknown as StageConfig);
    const codec = await RecordCodec.create('FlowHalf', schemaRegistry ? { registry: schemaRegistry, topic: config.halvesTopic } : {});
    producer = await createProducer(kafka, config);
    publisher = new HalfPublisher(producer, codec, metrics, logger, { topic: config.halvesTopic, maxBuffered: config.publishBufferMax });
    if (config.probes) probes = await startProbes(context, config, node);
  } catch (error) {
    await producer?.producer.disconnect().catch(() => undefined);
    await source.stop();
    throw error;
  }

  let lastWindowAt = Date.now();
  const onWindow = async ({ window, skipped }: WindowTick) => {
    const stopTimer = metrics.drainSeconds.startTimer();
    if (skipped) {
      metrics.windowsSkipped.inc(skipped);
      logger.warn({ skipped, window }, 'missed window boundaries; their traffic is reported in this window');
    }
    let halves: FlowHalf[];
    try {
      halves = await source.collect(window);
    } catch (error) {
      logger.error({ err: (error as Error).message, window }, 'collecting the window failed');
      return;
    } finally {
      stopTimer();
      lastWindowAt = Date.now();
    }
    publisher.enqueue(halves);
    metrics.windows.inc();
    logger.debug({ window, halves: halves.length, waiting: publisher.buffered }, 'window collected');
  };
  const scheduler = new WindowScheduler(config.exportIntervalMs, onWindow, undefined, (error) => logger.error({ err: error }, 'export window failed'));

  health.addLiveness('source', () => source.health());
  health.addLiveness('windows', () => Date.now() - lastWindowAt < 3 * config.exportIntervalMs + 5000 || 'no window collected for 3 intervals');
  health.addReadiness('kafka', () => publisher.health());
  scheduler.start();
  running = true;
  logger.info({ node, source: source.kind, intervalMs: config.exportIntervalMs, netns: config.netns ?? 'all', probes: config.probes }, 'node agent running');

  return {
    async stop() {
      await probes?.stop();
      await scheduler.stop();
      await publisher.flush();
      await source.stop();
      await producer!.producer.disconnect();
    },
  };
}

export const nodeAgentCommand = defineServiceCommand({
  name: 'agent',
  summary: 'Node agent: captures TCP/UDP conversations with eBPF (or simulates them) and publishes flow halves to Kafka.',
  options: agentOptions,
  validate: agentProblems,
  start: startAgent,
});

/** Runs the agent from a loaded config in the service shell (logs, /metrics, /healthz, /readyz, SIGTERM). */
export function runAgent(config: AgentConfig, options: { installSignalHandlers?: boolean } = {}): Promise<ServiceHandle> {
  return runServiceCommand(nodeAgentCommand, config, options);
}
