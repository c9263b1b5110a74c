/**
 * A throwaway Prometheus server child (Debian `prometheus`) on a free loopback
 * port: scrapes the targets it is given (a file_sd file, so targets can be
 * added while it runs), optionally receives remote write, keeps its TSDB in a
 * temp folder removed on stop. Used by the embedded stack, the demo and tests.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.js';
import { freePort } from './free-port.js';

const SETPRIV = '/usr/bin/setpriv';

export interface PrometheusServerOptions {
  port?: number;
  binary?: string;
  /** Scrape interval (and evaluation interval of rules). @default 5000 */
  scrapeIntervalMs?: number;
  /** Accept samples on /api/v1/write (--web.enable-remote-write-receiver). @default false */
  remoteWriteReceiver?: boolean;
  /** Rule files (PrometheusRule `spec` groups written as a Prometheus rule file) to load. */
  ruleFiles?: string[];
}

/** One value of an instant query's vector result. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  url: string;
  port: number;
  /** Sets the targets scraped under `job` (host:port, /metrics); Prometheus picks the file up within seconds. */
  setTargets(job: string, targets: readonly string[]): void;
  /** An instant query over the HTTP API; throws with Prometheus's error message on a bad query. */
  query(promql: string): Promise<PromSample[]>;
  /** The raw JSON `data` of an instant query (any result type). */
  queryData(promql: string): Promise<{ resultType: string; result: unknown }>;
  stop(): Promise<void>;
}

export async function startPrometheusServer(options: PrometheusServerOptions = {}): Promise<PrometheusServer> {
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'flowmesh-prometheus-'));
  const targetsFile = join(dir, 'targets.json');
  const interval = `${Math.max(1, Math.round((options.scrapeIntervalMs ?? 5000) / 1000))}s`;
  const jobs = new Map<string, readonly string[]>();
  const writeTargets = () => {
    const groups = [...jobs].map(([job, targets]) => ({ targets, labels: { job } }));
    // Written whole then renamed, so Prometheus never reads half a file.
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  writeTargets();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)] : []),
      'scrape_configs:',
      '  - job_name: flowmesh',
      '    file_sd_configs:',
      `      - files: [${JSON.stringify(targetsFile)}]`,
      '        refresh_interval: 5s',
      '',
    ].join('\n'),
  );
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(options.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
  ];
  // setpriv (util-linux) makes the kernel stop prometheus when we die, even by SIGKILL.
  const child: Child = existsSync(SETPRIV) ? startChild(SETPRIV, ['--pdeathsig', 'TERM', '--', binary, ...args]) : startChild(binary, args);
  child.process.once('error', () => undefined);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child);
  } catch (error) {
    await stop();
    throw error;
  }

  const queryData = async (promql: string) => {
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: promql }), signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    port,
    setTargets(job, targets) {
      jobs.set(job, targets);
      writeTargets();
    },
    queryData,
    async query(promql) {
      const data = await queryData(promql);
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
      if (data.resultType !== 'vector') throw new Error(`${promql}: a ${data.resultType}, not an instant vector`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}

async function waitReady(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`prometheus exited (${child.process.exitCode}) at start (install Debian prometheus; run scripts/setup.sh)`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`prometheus not ready at ${url} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
