/**
 * `flowmesh demo`: the whole pipeline in one command. Starts the embedded
 * stack, registers a small cluster in the Kubernetes API stand-in, runs
 * metadata-sync, joiner, enricher and one agent per simulated node, and shows
 * a live table of the top conversations and the pipeline's health.
 *
 * As root on a BTF kernel the cluster is real: network namespaces as nodes,
 * addresses as pods, nftables DNAT as the Service, real traffic captured by
 * real eBPF agents. Otherwise it says why and uses the synthetic source.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_LOADER_PATH, probeProblems } from '@flowmesh/node-agent';
import { RecordCodec, TOPICS, type EnrichedFlow } from '@flowmesh/lib';
import { startEmbeddedStack, type EmbeddedStack } from '../embedded-stack.js';
import { DEMO_PLAN, kubernetesObjects, type ClusterPlan } from './cluster-plan.js';
import { FlowTable, TABLE_LEGEND, renderTable } from './flow-table.js';
import { composeFrame } from './screen.js';
import { PipelineHealth, renderHealth } from './pipeline-health.js';
import { startMap, type RunningMap } from './map-services.js';
import { startPipeline, type AgentSpec, type RunningPipeline } from './pipeline.js';
import { buildSimCluster, type SimCluster } from './sim-cluster.js';
import { syntheticPlan } from './synthetic-plan.js';
import { startTraffic, type RunningTraffic } from './traffic.js';

interface DemoOptions {
  duration: string;
  source: 'auto' | 'ebpf' | 'synthetic';
  windowMs: string;
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on the embedded stack with a live table of conversations (real eBPF capture as root on a BTF kernel, synthetic traffic otherwise)')
    .option('--duration <seconds>', 'stop after this many seconds (0: until Ctrl-C)', '0')
    .option('--source <source>', 'auto, ebpf or synthetic', 'auto')
    .option('--window-ms <ms>', 'export window of the agents', '2000')
    .action(async (options: DemoOptions) => {
      await runDemo(options);
    });
}

function chooseSource(requested: DemoOptions['source']): 'ebpf' | 'synthetic' {
  if (requested === 'synthetic') return 'synthetic';
  const problems = probeProblems({ loaderPath: DEFAULT_LOADER_PATH });
  if (process.getuid?.() !== 0) problems.unshift('not running as root (network namespaces need it)');
  if (!problems.length) return 'ebpf';
  if (requested === 'ebpf') throw new Error(`eBPF capture is not possible here:\n  - ${problems.join('\n  - ')}`);
  say(`eBPF capture is not possible here, so this demo uses the SYNTHETIC source (records are marked synthetic):\n  - ${problems.join('\n  - ')}`);
  return 'synthetic';
}

function say(text: string): void {
  process.stderr.write(`flowmesh demo: ${text}\n`);
}

async function runDemo(options: DemoOptions): Promise<void> {
  const windowMs = Number(options.windowMs);
  const source = chooseSource(options.source);
  const logDir = `${tmpdir()}/flowmesh-demo-${randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    stopping ??= (async () => {
      say(`${why}; stopping everything`);
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => say(`cleanup: ${error.message}`));
    })();
    return stopping;
  };
  // The services and the stack run in process groups of their own: Ctrl-C reaches only this process, which stops them in order.
  const onSignal = (why: string) => {
    const since = Date.now();
    void stop(why).then(() => {
      say(`stopped everything in ${((Date.now() - since) / 1000).toFixed(1)} s; service logs: ${logDir}`);
      process.exit(0);
    });
  };
  process.once('SIGINT', () => onSignal('interrupted'));
  process.once('SIGTERM', () => onSignal('terminated'));

  try {
    const synthetic = { seed: 7, nodes: 3, rate: 15 };
    const plan: ClusterPlan = source === 'ebpf' ? DEMO_PLAN : syntheticPlan(synthetic);
    say('starting the embedded stack (Kafka-protocol broker, Redis, Kubernetes API stand-in, Prometheus)');
    const stack: EmbeddedStack = await startEmbeddedStack({ partitions: 4, prometheus: true });
    cleanups.push(() => stack.stop());
    for (const object of kubernetesObjects(plan)) stack.kubeApi.standin.create(object);

    let cluster: SimCluster | undefined;
    if (source === 'ebpf') {
      say(`building the simulated cluster: ${plan.nodes.length} nodes, ${plan.pods.length} pods, ${plan.services.length} Service(s) in network namespaces`);
      cluster = await buildSimCluster(plan);
      cleanups.push(() => cluster!.teardown());
    }
    const agents: AgentSpec[] =
      source === 'ebpf'
        ? plan.nodes.map((node) => ({ kind: 'ebpf', node: node.name, netnsPath: `/var/run/netns/${cluster!.netnsOf(node.name)}` }))
        : [{ kind: 'synthetic', ...synthetic }];
    const pipeline: RunningPipeline = await startPipeline({ stack, plan, agents, windowMs, logDir, flowMetrics: true });
    cleanups.push(() => pipeline.stop());
    for (const service of pipeline.services) stack.prometheus?.setTargets(service.name, [`127.0.0.1:${service.port}`]);

    say('waiting for every service to be ready (agents capturing, stages in their consumer groups)');
    await pipeline.waitReady();
    say('starting the map (the ui, reading Prometheus and the flows topic)');
    const map = await startMap({ stack, logDir });
    cleanups.push(() => map.stop());
    say(`the live map: ${map.url}`);
    let traffic: RunningTraffic | undefined;
    if (cluster) {
      traffic = await startTraffic(plan, cluster, { requests: 0, intervalMs: 200 });
      cleanups.push(() => traffic!.stop());
    }

    const hints = whereToLook(stack, pipeline, logDir, map);
    if (!process.stdout.isTTY) process.stderr.write(['', 'While the demo runs, in another terminal:', ...hints, ''].join('\n'));
    await showLiveTable(stack, pipeline, { durationS: Number(options.duration), source, hints }, () => stopping !== undefined);
    if (stopping) return; // a signal stops it and says where the logs are
    await stop('done');
    process.stderr.write(['', 'Next:', ...hints, NEXT, ''].join('\n'));
  } catch (error) {
    await stop(`failed: ${(error as Error).message}`);
    say(`logs of the services: ${logDir}`);
    process.exitCode = 1;
  }
}

const CAPTURE = {
  ebpf: 'eBPF capture (real traffic between network namespaces)',
  synthetic: 'SYNTHETIC traffic (simulated cluster, records marked synthetic)',
} as const;

const NEXT = '  The embedded stack is gone now; `npx flowmesh stack` starts one that stays up, and the README runs the services against it.';

/** One frame of the live view, fitted to the terminal. */
export function renderFrame(
  view: { source: 'ebpf' | 'synthetic'; elapsedS: number; flowsSeen: number; health: string; table: string[]; hints: string[] },
  size: { columns: number; rows: number },
): string[] {
  const top = [
    `flowmesh demo — ${CAPTURE[view.source]}, ${view.elapsedS}s, ${view.flowsSeen} records`,
    view.health,
    '',
  ];
  const table = view.table.length > 1 ? view.table : ['(waiting for the first export windows to close…)'];
  const footer = ['', TABLE_LEGEND, 'In another terminal (Ctrl-C here stops everything):', ...view.hints];
  return composeFrame({ top, table, footer }, size);
}

async function showLiveTable(
  stack: EmbeddedStack,
  pipeline: RunningPipeline,
  view: { durationS: number; source: 'ebpf' | 'synthetic'; hints: string[] },
  stopped: () => boolean,
): Promise<void> {
  const table = new FlowTable();
  const codec = RecordCodec.local('EnrichedFlow');
  // Loaded on use: the other commands need none of the testing helpers.
  const { testKafka } = await import('@flowmesh/lib/testing');
  const kafka = testKafka(stack.kafkaBrokers.split(','));
  const consumer = kafka.consumer({ groupId: `flowmesh-demo-${randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.flows, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      try {
        table.add(codec.decode(message.value) as EnrichedFlow);
      } catch {
        // Not an EnrichedFlow: nothing to show.
      }
    },
  });
  const health = new PipelineHealth(
    pipeline.services.map((s) => ({
      name: s.name,
      port: s.port,
      counter: s.name.startsWith('agent')
        ? 'flowmesh_agent_halves_published_total'
        : s.name === 'metadata-sync'
          ? 'flowmesh_metadata_sync_objects'
          : s.name === 'flow-metrics'
            ? 'flowmesh_flow_metrics_records_total'
            : 'flowmesh_stream_records_out_total',
    })),
  );
  const started = Date.now();
  const interactive = process.stdout.isTTY;
  let lastPrint = 0;
  const frame = async (size: { columns: number; rows: number }) =>
    renderFrame(
      {
        source: view.source,
        elapsedS: Math.round((Date.now() - started) / 1000),
        flowsSeen: table.flowsSeen,
        health: renderHealth(await health.sample()),
        table: renderTable(table.top(15), size.columns),
        hints: view.hints,
      },
      size,
    );
  let cleared = false;
  while (!stopped() && (view.durationS === 0 || Date.now() - started < view.durationS * 1000)) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (stopped()) break;
    if (interactive) {
      const lines = await frame({ columns: process.stdout.columns || 100, rows: process.stdout.rows || 30 });
      // The first frame clears the screen: the start-up lines before it may have wrapped, and a terminal
      // keeps a row's "wrapped" mark under later text. Then home, and each line with the rest of it
      // erased: no blank flash, nothing left of a longer previous frame.
      const clear = cleared ? '' : '\x1b[2J';
      cleared = true;
      process.stdout.write(`${clear}\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\x1b[J`);
    } else if (Date.now() - lastPrint > 10_000) {
      process.stdout.write(`${(await frame({ columns: 160, rows: 40 })).join('\n')}\n\n`);
      lastPrint = Date.now();
    }
  }
  await consumer.disconnect();
}

function whereToLook(stack: EmbeddedStack, pipeline: RunningPipeline, logDir: string, map: RunningMap): string[] {
  return [
    `  open ${map.url}   # the live map of the conversations (docs/ui.md)`,
    `  export ${stack.envLines().join(' ')}`,
    `  npx flowmesh tail ${TOPICS.flows} --from-beginning --max 5   # enriched records as JSON`,
    `  kcat -b ${stack.kafkaBrokers} -L   # topics and partitions`,
    `  curl -s 127.0.0.1:PORT/metrics   # ${[...pipeline.services, ...map.services].map((s) => `${s.name} ${s.port}`).join(', ')} (also /healthz, /readyz)`,
    ...(stack.prometheus
      ? [`  ${stack.prometheus.url}/graph   # Prometheus: sum by (src_workload, dst_workload) (rate(flowmesh_traffic_bytes_total[1m]))`]
      : []),
    `  service logs: ${logDir}`,
  ];
}
