/**
 * The demo's map: flow-metrics (traffic series counted once), a Debian
 * prometheus scraping it and every pipeline service, and the ui reading both
 * Prometheus and flowmesh.flows.v1. One call starts it beside a running
 * pipeline; `restart` stops a service of it and starts it again on its port.
 */
import { startPrometheus, type PrometheusServer } from '@flowmesh/lib';
import { startService, stopService, waitServiceReady, type PipelineOptions, type ServiceProcess } from './pipeline.js';

export interface RunningMap {
  /** The page. */
  url: string;
  prometheus: PrometheusServer;
  services: ServiceProcess[];
  /** Stops a service of the map (flow-metrics, ui) and starts it again on the same port. */
  restart(name: 'flow-metrics' | 'ui'): Promise<void>;
  stop(): Promise<void>;
}

export async function startMap(options: Pick<PipelineOptions, 'stack' | 'logDir' | 'extraFlags'>, scraped: readonly ServiceProcess[] = []): Promise<RunningMap> {
  const args: Record<string, string[]> = { 'flow-metrics': ['flow-metrics'] };
  const services: ServiceProcess[] = [];
  let prometheus: PrometheusServer | undefined;
  const stop = async () => {
    await Promise.all(services.map((s) => stopService(s)));
    await prometheus?.stop();
  };
  try {
    services.push(await startService('flow-metrics', args['flow-metrics']!, options));
    prometheus = await startPrometheus({
      targets: [...scraped, ...services].map((s) => ({ job: s.name, address: `127.0.0.1:${s.port}` })),
      scrapeIntervalMs: 2000,
    });
    args.ui = ['ui', '--prometheus-url', prometheus.url, '--refresh-ms', '3000'];
    services.push(await startService('ui', args.ui, options));
    await prometheus.setTargets([...scraped, ...services].map((s) => ({ job: s.name, address: `127.0.0.1:${s.port}` })));
    const deadline = Date.now() + 180_000;
    for (const service of services) await waitServiceReady(service, deadline);
  } catch (error) {
    await stop();
    throw error;
  }
  const ui = services.find((s) => s.name === 'ui')!;
  return {
    url: `http://127.0.0.1:${ui.port}/`,
    prometheus,
    services,
    async restart(name) {
      const index = services.findIndex((s) => s.name === name);
      const old = services[index]!;
      await stopService(old);
      services[index] = await startService(name, args[name]!, options, old.port);
      await waitServiceReady(services[index]!, Date.now() + 180_000);
    },
    stop,
  };
}
