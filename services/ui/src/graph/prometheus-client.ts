/** Instant queries against the Prometheus HTTP API (/api/v1/query), as vectors of label sets and numbers. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class PrometheusError extends Error {
  override name = 'PrometheusError';
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async query(promql: string, timeSeconds?: number): Promise<Sample[]> {
    const body = new URLSearchParams({ query: promql, ...(timeSeconds !== undefined ? { time: String(timeSeconds) } : {}) });
    let response: Response;
    try {
      response = await fetch(new URL('api/v1/query', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PrometheusError(`Prometheus at ${this.baseUrl} unreachable: ${(error as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as QueryResponse;
    if (answer.status !== 'success' || !answer.data) throw new PrometheusError(`Prometheus query failed: ${answer.error ?? response.status} (${promql})`);
    if (answer.data.resultType !== 'vector') throw new PrometheusError(`expected a vector from ${promql}, got ${answer.data.resultType}`);
    return answer.data.result
      .map((series) => ({ labels: series.metric, value: Number(series.value[1]) }))
      .filter((sample) => Number.isFinite(sample.value));
  }

  /** Whether Prometheus answers its readiness endpoint. */
  async ready(): Promise<boolean> {
    return fetch(new URL('-/ready', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), { signal: AbortSignal.timeout(this.timeoutMs) })
      .then((response) => response.ok)
      .catch(() => false);
  }
}
