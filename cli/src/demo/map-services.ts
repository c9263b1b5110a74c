/**
 * The demo's map: the ui beside a running pipeline (which runs flow-metrics),
 * reading the embedded stack's Prometheus and flowmesh.flows.v1, and scraped
 * by that Prometheus too.
 */
import type { PrometheusServer } from '@flowmesh/lib';
import type { EmbeddedStack } from '../embedded-stack.js';
import { startService, stopService, waitServiceReady, type PipelineOptions, type ServiceProcess } from './pipeline.js';

export interface RunningMap {
  /** The page. */
  url: string;
  prometheus: PrometheusServer;
  services: ServiceProcess[];
  /** Stops the ui and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const READY_MS = 180_000;

export async function startMap(options: Pick<PipelineOptions, 'logDir' | 'extraFlags'> & { stack: EmbeddedStack }): Promise<RunningMap> {
  const { prometheus } = options.stack;
  if (!prometheus) throw new Error('the map needs the embedded stack started with its Prometheus');
  const args = ['ui', '--prometheus-url', prometheus.url, '--refresh-ms', '3000'];
  const services = [await startService('ui', args, options)];
  const scrape = () => prometheus.setTargets('ui', [`127.0.0.1:${services[0]!.port}`]);
  scrape();
  try {
    await waitServiceReady(services[0]!, Date.now() + READY_MS);
  } catch (error) {
    await stopService(services[0]!);
    throw error;
  }
  return {
    url: `http://127.0.0.1:${services[0]!.port}/`,
    prometheus,
    services,
    async restart() {
      services[0] = await services[0]!.restart();
    },
    stop: () => stopService(services[0]!),
  };
}
