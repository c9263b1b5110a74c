/**
 * A throwaway Prometheus (Debian `prometheus`) on a free loopback port,
 * scraping the given targets, with its TSDB in a temporary directory. The
 * targets can be changed while it runs (the demo adds services as it starts them).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.js';
import { freePort } from './free-port.js';

const SETPRIV = '/usr/bin/setpriv';

export interface PrometheusTarget {
  /** The `job` label of the target's series. */
  job: string;
  /** host:port serving /metrics. */
  address: string;
}

export interface PrometheusServer {
  url: string;
  port: number;
  /** Replaces the scrape targets and waits until Prometheus has reloaded its config. */
  setTargets(targets: readonly PrometheusTarget[]): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  targets?: readonly PrometheusTarget[];
  /** @default 1000 */
  scrapeIntervalMs?: number;
  binary?: string;
}

function configYaml(targets: readonly PrometheusTarget[], intervalMs: number): string {
  // JSON is YAML: no YAML writer needed for this shape.
  return JSON.stringify({
    global: { scrape_interval: `${intervalMs}ms`, evaluation_interval: `${intervalMs}ms` },
    scrape_configs: targets.map((target) => ({ job_name: target.job, static_configs: [{ targets: [target.address] }] })),
  });
}

async function waitReady(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    if (child.process.exitCode !== null) throw new Error(`prometheus exited (${child.process.exitCode})`);
    if (Date.now() > deadline) throw new Error(`prometheus not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const port = await freePort();
  const intervalMs = options.scrapeIntervalMs ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'flowmesh-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, configYaml(options.targets ?? [], intervalMs));
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
  ];
  const binary = options.binary ?? 'prometheus';
  // setpriv (util-linux) makes the kernel stop prometheus when we die, even by SIGKILL.
  const child = existsSync(SETPRIV) ? startChild(SETPRIV, ['--pdeathsig', 'TERM', '--', binary, ...args]) : startChild(binary, args);
  child.process.once('error', () => undefined);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, 20_000);
  } catch (error) {
    await stop();
    throw new Error(`prometheus did not start (install Debian prometheus; run scripts/setup.sh): ${(error as Error).message}`);
  }
  return {
    url,
    port,
    async setTargets(targets) {
      writeFileSync(configFile, configYaml(targets, intervalMs));
      const response = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!response.ok) throw new Error(`prometheus reload failed: ${response.status} ${await response.text()}`);
    },
    stop,
  };
}
