/**
 * Reads each running service's /metrics for the demo's health line: records
 * per second through each stage and consumer lag.
 */
export interface StageHealth {
  name: string;
  up: boolean;
  ready: boolean;
  recordsPerSecond: number;
  lag: number;
}

/** Sums every sample of a metric family in Prometheus text format. */
export function sumMetric(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

export class PipelineHealth {
  private readonly previous = new Map<string, { at: number; count: number }>();

  constructor(private readonly stages: { name: string; port: number; counter: string }[]) {}

  async sample(): Promise<StageHealth[]> {
    return Promise.all(
      this.stages.map(async (stage) => {
        const base = `http://127.0.0.1:${stage.port}`;
        try {
          const [metrics, ready] = await Promise.all([
            fetch(`${base}/metrics`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text()),
            fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok),
          ]);
          const count = sumMetric(metrics, stage.counter);
          const now = Date.now();
          const before = this.previous.get(stage.name);
          this.previous.set(stage.name, { at: now, count });
          const rate = before && now > before.at ? ((count - before.count) * 1000) / (now - before.at) : 0;
          return { name: stage.name, up: true, ready, recordsPerSecond: rate, lag: sumMetric(metrics, 'flowmesh_stream_consumer_lag') };
        } catch {
          return { name: stage.name, up: false, ready: false, recordsPerSecond: 0, lag: 0 };
        }
      }),
    );
  }
}

export function renderHealth(stages: StageHealth[]): string {
  return stages
    .map((s) => `${s.name}: ${!s.up ? 'DOWN' : s.ready ? 'ready' : 'starting'} ${s.recordsPerSecond.toFixed(1)}/s lag ${s.lag}`)
    .join('   ');
}
