/**
 * Entry of the probe process the agent forks: the responder, the peer
 * directory and the probe rounds run here, under the process name
 * `flowmesh-probe`, so the flow records of probe traffic carry that name and
 * nothing else of the agent's does. Results go to the agent over IPC.
 */
import { KubemetaKeys, connectRedis, createLogger } from '@flowmesh/lib';
import { PeerDirectory } from './peer-directory.js';
import type { ProbeCommand, ProbeEvent } from './probe-events.js';
import { Prober } from './prober.js';
import { startResponder } from './responder.js';
import { PROBE_PROCESS_NAME, type ProbeProcessSettings, SETTINGS_ENV } from './probe-settings.js';

process.title = PROBE_PROCESS_NAME;
const settings = JSON.parse(process.env[SETTINGS_ENV] ?? '{}') as ProbeProcessSettings;
const logger = createLogger('agent-probes', settings.logLevel);
const emit = (event: ProbeEvent) => process.send?.(event);

async function main(): Promise<void> {
  const responder = await startResponder(settings.host, settings.prober.port);
  const redis = connectRedis(settings.redis, {}, logger);
  const subscriber = connectRedis(settings.redis, {}, logger);
  let lastError = '';
  const directory = new PeerDirectory({
    redis,
    subscriber,
    keys: new KubemetaKeys(settings.viewPrefix),
    selfNode: settings.node,
    agentNamespace: settings.agentNamespace,
    agentSelector: settings.agentSelector,
    resyncMs: settings.resyncMs,
    onChange: (selection) => {
      logger.debug({ targets: selection.targets.length, skipped: selection.skipped }, 'probe peers changed');
      emit({ type: 'peers', selection });
    },
    onError: (error) => {
      if (error.message !== lastError) logger.warn({ err: error.message }, 'reading the probe peers from Redis failed; keeping the last list');
      lastError = error.message;
    },
  });
  await directory.start();
  const prober = new Prober(settings.prober, () => directory.selection, emit);
  prober.start();
  emit({ type: 'ready' });
  logger.info({ port: settings.prober.port, intervalMs: settings.prober.intervalMs, peers: directory.selection.targets.length }, 'probing');

  const stop = async () => {
    await prober.stop();
    await directory.stop();
    await responder.close();
    redis.disconnect();
    subscriber.disconnect();
    process.disconnect?.();
  };
  process.on('message', (command: ProbeCommand) => {
    if (command.type === 'stop') void stop();
  });
  // the agent is gone (even killed): nothing would read our results
  process.once('disconnect', () => void stop().finally(() => process.exit(0)));
  // the agent decides when we stop: a signal sent to the whole group (Ctrl-C, a runtime's stop) reaches us too
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => undefined);
}

main().catch((error: Error) => {
  emit({ type: 'failed', message: error.message });
  logger.error({ err: error.message }, 'probes failed to start');
  process.exitCode = 1;
  process.disconnect?.();
});
