/**
 * The shell every flowmesh service runs in: JSON logs, the ops HTTP server,
 * and a clean SIGTERM/SIGINT shutdown that drains in-flight work before
 * exiting 0 (or exits 1 when draining overran its timeout).
 */
import type { Registry } from 'prom-client';
import { Health } from './health.js';
import { startOpsServer, type HttpRoutes } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';

export interface ServiceContext {
  logger: Logger;
  registry: Registry;
  health: Health;
  /** Aborted when shutdown starts. */
  signal: AbortSignal;
  /** The service's HTTP server (absent when a test builds the context by hand). */
  http?: HttpRoutes;
}

export interface RunningService {
  /** Drains in-flight work and releases resources. */
  stop(): Promise<void>;
}

export interface ServiceDefinition {
  name: string;
  httpHost: string;
  httpPort: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  start(context: ServiceContext): Promise<RunningService>;
}

export interface ServiceHandle {
  context: ServiceContext;
  httpPort: number;
  /** Resolves when the service has stopped. */
  stopped: Promise<void>;
  /** Starts shutdown (as SIGTERM does) and resolves when done. */
  shutdown(reason: string): Promise<void>;
}

/** Starts a service; with `installSignalHandlers` (the CLI), SIGTERM/SIGINT shut it down and exit the process. */
export async function runService(definition: ServiceDefinition, installSignalHandlers = true): Promise<ServiceHandle> {
  const logger = createLogger(definition.name, definition.logLevel);
  const registry = createRegistry(definition.name);
  const health = new Health();
  const abort = new AbortController();
  const ops = await startOpsServer({ host: definition.httpHost, port: definition.httpPort, registry, health });
  const context: ServiceContext = { logger, registry, health, signal: abort.signal, http: ops };
  logger.info({ httpPort: ops.port }, 'ops endpoints listening: /metrics /healthz /readyz');

  // Not ready until start() is through (connected, consuming): with no check yet, /readyz would say ok.
  let started = false;
  health.addReadiness('started', () => started || 'starting (connecting to its dependencies)');
  let service: RunningService;
  try {
    service = await definition.start(context);
    started = true;
  } catch (error) {
    await ops.close();
    throw error;
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down: draining in-flight records');
      abort.abort();
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: definition.shutdownTimeoutMs }, 'drain timed out; exiting');
        process.exit(1);
      }, definition.shutdownTimeoutMs);
      timer.unref();
      try {
        await service.stop();
        logger.info('stopped cleanly');
      } catch (error) {
        logger.error({ err: error }, 'error while stopping');
        process.exitCode = 1;
      } finally {
        clearTimeout(timer);
        await ops.close();
        resolveStopped();
      }
    })();
    return shuttingDown;
  };

  if (installSignalHandlers) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void shutdown(signal).then(() => process.exit(process.exitCode ?? 0));
      });
    }
  }
  return { context, httpPort: ops.port, stopped, shutdown };
}
