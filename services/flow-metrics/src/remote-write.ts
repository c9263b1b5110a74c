/**
 * Optional Prometheus remote write, for clusters that do not scrape: every
 * interval (and once more on shutdown) the registry's current values are
 * pushed with prometheus-remote-write. Each replica adds its own `instance`
 * label so replicas' series stay apart, as they do when scraped.
 */
import { hostname } from 'node:os';
import { pushTimeseries } from 'prometheus-remote-write';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@flowmesh/lib';

export interface RemoteWriteOptions {
  url: string;
  intervalMs: number;
  username?: string;
  password?: string;
  /** Replaces the host name as the `instance` label (tests). */
  instance?: string;
  timeoutMs?: number;
  /** Series rendered outside the registry (see addTextCollector), pushed with it. */
  extraSeries?: () => { labels: Record<string, string>; value: number }[];
}

export interface RunningRemoteWrite {
  /** Pushes now (resolves when the receiver answered). */
  push(): Promise<void>;
  /** Stops the timer after one last push. */
  stop(): Promise<void>;
}

interface Timeseries {
  labels: { __name__: string; [key: string]: string };
  samples: { value: number; timestamp: number }[];
}

/** The registry's samples as remote-write time series, all stamped `timestamp`. */
export async function registryTimeseries(registry: Registry, timestamp: number): Promise<Timeseries[]> {
  const series: Timeseries[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      if (!Number.isFinite(value.value)) continue;
      const labels: Timeseries['labels'] = { __name__: (value as { metricName?: string }).metricName ?? metric.name };
      for (const [name, label] of Object.entries(value.labels)) if (label !== undefined) labels[name] = String(label);
      series.push({ labels, samples: [{ value: value.value, timestamp }] });
    }
  }
  return series;
}

export function remoteWriteMetrics(registry: Registry) {
  return new Counter({ name: 'flowmesh_flow_metrics_remote_writes_total', help: 'Remote-write requests, by result (ok, error).', labelNames: ['result'], registers: [registry] });
}

export function startRemoteWrite(registry: Registry, logger: Logger, options: RemoteWriteOptions): RunningRemoteWrite {
  const pushes = remoteWriteMetrics(registry);
  const instance = options.instance ?? hostname();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const auth = options.username !== undefined ? { username: options.username, password: options.password ?? '' } : undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const pushOnce = async () => {
    try {
      const timestamp = Date.now();
      const series = await registryTimeseries(registry, timestamp);
      for (const { labels, value } of options.extraSeries?.() ?? []) series.push({ labels: labels as Timeseries['labels'], samples: [{ value, timestamp }] });
      const result = await pushTimeseries(series, {
        url: options.url,
        labels: { instance },
        ...(auth ? { auth } : {}),
        fetch: (url, init) => fetch(url, { method: init?.method ?? 'POST', headers: init?.headers ?? {}, body: init?.body as ArrayBuffer, signal: AbortSignal.timeout(timeoutMs) }),
      });
      if (result.status < 200 || result.status > 299) throw new Error(`HTTP ${result.status} ${result.statusText}: ${result.errorMessage ?? ''}`.trim());
      pushes.inc({ result: 'ok' });
    } catch (error) {
      pushes.inc({ result: 'error' });
      logger.warn({ err: (error as Error).message, url: options.url }, 'remote write failed; the next push carries the current totals');
    }
  };
  // One push at a time: a slow receiver must not pile requests up.
  const push = () => (inFlight = inFlight.then(pushOnce));
  const timer = setInterval(() => void push(), options.intervalMs);
  timer.unref();
  return {
    push,
    async stop() {
      clearInterval(timer);
      await push();
    },
  };
}
