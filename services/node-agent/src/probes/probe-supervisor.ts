/**
 * The agent's side of `--probes`: forks the probe process, turns what it
 * reports into metrics, exposes its state to /healthz and /readyz, and stops
 * it on shutdown.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type ServiceContext, entryPoint } from '@flowmesh/lib';
import type { ProbeCommand, ProbeEvent } from './probe-events.js';
import { ProbeMetricsRecorder, probeMetrics } from './probe-metrics.js';
import { type ProbeConfig, SETTINGS_ENV, probeProcessSettings } from './probe-settings.js';

/** Its own bundle in dist/ when the agent runs compiled (scripts/build.js lists it). */
const PROBE_PROCESS = entryPoint('services/node-agent/src/probes/probe-process.ts');

export interface RunningProbes {
  pid: number;
  stop(): Promise<void>;
}

export async function startProbes(context: ServiceContext, config: ProbeConfig, node: string): Promise<RunningProbes> {
  const { logger, health } = context;
  const recorder = new ProbeMetricsRecorder(probeMetrics(context.registry));
  const child: ChildProcess = fork(PROBE_PROCESS.file, [], {
    execArgv: PROBE_PROCESS.execArgv,
    env: { ...process.env, [SETTINGS_ENV]: JSON.stringify(probeProcessSettings(config, node)) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited: number | null = null;
  let stopping = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? 1;
      if (!stopping) logger.error({ code, signal }, 'the probe process exited');
      resolve();
    }),
  );
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (event: ProbeEvent) => {
      if (event.type === 'ready') resolve();
      else if (event.type === 'failed') reject(new Error(`probes: ${event.message}`));
      else recorder.record(event);
    });
    void gone.then(() => reject(new Error(`the probe process exited (${exited}) before it was ready`)));
  });
  try {
    await started;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  health.addLiveness('probes', () => exited === null || `probe process exited (${exited})`);

  return {
    pid: child.pid!,
    async stop() {
      stopping = true;
      if (exited !== null) return;
      child.send({ type: 'stop' } satisfies ProbeCommand);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
