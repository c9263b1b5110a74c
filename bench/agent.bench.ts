/**
 * What the node agent costs. Two network namespaces joined by a veth pair
 * ("node A", "node B"), a C sender in A and sink in B (bench/agent-netperf.c),
 * and one agent per namespace (own processes, 1 s windows, publishing to the
 * embedded broker), as two nodes would run them. Rounds with and without the
 * agents alternate in one run; medians are reported, the ratio as the median
 * of adjacent pairs (slow drifts in background load cancel). Prints one JSON line:
 *
 *   throughput_gbps_without/with, throughput_ratio  bulk TCP over the veth (every round listed: judge the noise)
 *   app_cpu_seconds_per_gb_without/with            sender + sink CPU: the probe's kernel-side cost
 *                                                  shows here (eBPF runs in the apps' syscalls)
 *   agent_cpu_seconds_per_gb, agent_cpu_pct_per_gbps  one agent (Node + loader) per GB it saw
 *   churn_*                                        the same at ~2,000 new connections/s
 *
 * Targets (issue 3): throughput_ratio >= 0.97, agent_cpu_pct_per_gbps <= 1.
 * Needs root and a BTF kernel; elsewhere prints {"bench":"agent","skipped":"<why>"}.
 * The figures are only as quiet as the machine: run it alone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus, release } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startMockBroker, TOPICS, type MockBroker } from '@flowmesh/lib';
import { probeProblems } from '@flowmesh/node-agent';
import { createNetnsPair, type NetnsPair } from '../services/node-agent/test/support/netns-pair.js';
import { childrenOf, cpuSeconds } from './support/proc-cpu.js';
import { median, round, sleep } from './support/figures.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NETPERF = `${ROOT}bpf/.output/agent-netperf`;
const ROUNDS = 7;
const BULK_SECONDS = 2;
const CHURN_RATE = 2000;
const CHURN_SECONDS = 4;
const WINDOW_MS = 1000;
const PORT = 5201;


function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child[stream]! });
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern}`)), timeoutMs);
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}`)));
  });
}

interface Agents {
  /** CPU seconds of all agents and their loaders. */
  cpu(): number;
  count: number;
  stop(): Promise<void>;
}

async function startAgent(brokers: string[], node: string, netns: string): Promise<{ pid: number; loaderPid: number; child: ChildProcess }> {
  const flags = { kafkaBrokers: brokers, kafkaPartitions: 4, exportIntervalMs: WINDOW_MS, httpPort: 0, httpHost: '127.0.0.1', logLevel: 'warn', nodeName: node, netns };
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bench/agent-process.ts`, JSON.stringify(flags)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForLine(child, 'stderr', /^AGENT-READY \d+$/);
  const loaderPid = childrenOf(child.pid!)[0];
  if (!loaderPid) throw new Error('agent started without a flowprobe loader');
  return { pid: child.pid!, loaderPid, child };
}

async function startAgents(pair: NetnsPair, brokers: string[]): Promise<Agents> {
  const agents = [await startAgent(brokers, 'node-a', pair.a.path), await startAgent(brokers, 'node-b', pair.b.path)];
  await sleep(1500); // past start-up work: measure the steady state
  return {
    count: agents.length,
    cpu: () => agents.reduce((sum, a) => sum + cpuSeconds(a.pid) + cpuSeconds(a.loaderPid), 0),
    async stop() {
      await Promise.all(
        agents.map(({ child }) => {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          return gone;
        }),
      );
    },
  };
}

interface Measured {
  /** bulk: bytes; churn: connections */
  amount: number;
  seconds: number;
  appCpu: number;
  agentCpu: number;
}

/** Runs netperf in A against the sink in B, with the CPU each side used. */
async function measure(pair: NetnsPair, sinkPid: number, args: string[], agents?: Agents): Promise<Measured> {
  const sink0 = cpuSeconds(sinkPid);
  const agents0 = agents?.cpu() ?? 0;
  const out = JSON.parse(await run('ip', ['netns', 'exec', pair.a.name, NETPERF, ...args])) as { bytes?: number; connections?: number; seconds: number; cpu_seconds: number };
  return {
    amount: out.bytes ?? out.connections ?? 0,
    seconds: out.seconds,
    appCpu: out.cpu_seconds + cpuSeconds(sinkPid) - sink0,
    agentCpu: (agents?.cpu() ?? 0) - agents0,
  };
}

async function main(): Promise<void> {
  const missing = probeProblems({ loaderPath: process.execPath });
  if (missing.length) {
    console.log(JSON.stringify({ bench: 'agent', skipped: missing.join('; ') }));
    return;
  }
  execFileSync('make', ['-s', '-C', `${ROOT}bpf`], { stdio: 'inherit' });
  execFileSync('cc', ['-O2', '-Wall', '-o', NETPERF, `${ROOT}bench/agent-netperf.c`], { stdio: 'inherit' });

  let pair: NetnsPair | undefined;
  let broker: MockBroker | undefined;
  let sink: ChildProcess | undefined;
  try {
    pair = createNetnsPair('bench');
    // churn opens ~2,000 client ports/s: without reuse of TIME_WAIT ports, connect() soon
    // spends its time searching for a free port and the figures measure that instead
    execFileSync('ip', ['netns', 'exec', pair.a.name, 'sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=1024 65535']);
    broker = await startMockBroker();
    await broker.createTopic(TOPICS.halves, 4);
    sink = spawn('ip', ['netns', 'exec', pair.b.name, NETPERF, 'sink', pair.b.ip, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitForLine(sink, 'stdout', /^READY$/);
    const sinkPid = sink.pid!;
    const bulkArgs = ['bulk', pair.b.ip, String(PORT), String(BULK_SECONDS)];
    const churnArgs = ['churn', pair.b.ip, String(PORT), String(CHURN_RATE), String(CHURN_SECONDS)];

    await measure(pair, sinkPid, bulkArgs); // warm-up
    const bulkWithout: Measured[] = [];
    const bulkWith: Measured[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bulkWithout.push(await measure(pair, sinkPid, bulkArgs));
      const agents = await startAgents(pair, broker.brokers);
      bulkWith.push(await measure(pair, sinkPid, bulkArgs, agents));
      await agents.stop();
    }
    const churnBefore = await measure(pair, sinkPid, churnArgs);
    const agents = await startAgents(pair, broker.brokers);
    const churnWith = await measure(pair, sinkPid, churnArgs, agents);
    await agents.stop();
    const churnAfter = await measure(pair, sinkPid, churnArgs);
    // without = the runs just before and after, so a drift in background load cancels
    const churnWithout: Measured = {
      amount: churnBefore.amount + churnAfter.amount,
      seconds: churnBefore.seconds + churnAfter.seconds,
      appCpu: churnBefore.appCpu + churnAfter.appCpu,
      agentCpu: 0,
    };

    const gbps = (m: Measured) => (m.amount * 8) / m.seconds / 1e9;
    const appCpuPerGb = (list: Measured[]) => median(list.map((m) => m.appCpu / (m.amount / 1e9)));
    // per agent: each agent saw every byte once (one end each)
    const agentCpuPerGb = median(bulkWith.map((m) => m.agentCpu / agents.count / (m.amount / 1e9)));
    const agentCpuShare = median(bulkWith.map((m) => m.agentCpu / agents.count / m.seconds));
    const gbpsWith = median(bulkWith.map(gbps));
    const gbpsWithout = median(bulkWithout.map(gbps));
    const pairedRatio = median(bulkWith.map((m, i) => gbps(m) / gbps(bulkWithout[i]!)));
    console.log(
      JSON.stringify({
        bench: 'agent',
        kernel: release(),
        cpus: cpus().length,
        rounds: ROUNDS,
        bulk_seconds: BULK_SECONDS,
        window_ms: WINDOW_MS,
        throughput_gbps_without: round(gbpsWithout),
        throughput_gbps_with: round(gbpsWith),
        throughput_ratio: round(pairedRatio),
        throughput_gbps_rounds: { without: bulkWithout.map((m) => round(gbps(m), 3)), with: bulkWith.map((m) => round(gbps(m), 3)) },
        app_cpu_seconds_per_gb_without: round(appCpuPerGb(bulkWithout)),
        app_cpu_seconds_per_gb_with: round(appCpuPerGb(bulkWith)),
        app_cpu_ratio: round(appCpuPerGb(bulkWith) / appCpuPerGb(bulkWithout)),
        agent_cpu_seconds_per_gb: round(agentCpuPerGb),
        agent_cpu_pct_per_gbps: round((agentCpuShare * 100) / gbpsWith),
        churn_connections_per_second_without: round(churnWithout.amount / churnWithout.seconds),
        churn_connections_per_second_with: round(churnWith.amount / churnWith.seconds),
        churn_app_cpu_us_per_connection_without: round((churnWithout.appCpu / churnWithout.amount) * 1e6),
        churn_app_cpu_us_per_connection_with: round((churnWith.appCpu / churnWith.amount) * 1e6),
        churn_agent_cpu_pct: round((churnWith.agentCpu / agents.count / churnWith.seconds) * 100),
        targets: { throughput_ratio_min: 0.97, agent_cpu_pct_per_gbps_max: 1 },
      }),
    );
  } finally {
    sink?.kill('SIGKILL');
    await broker?.stop();
    pair?.destroy();
  }
}

await main();
