/**
 * Does the map load in under 1 s and stay responsive with 500 workloads and
 * 5,000 edges? A generated graph of that size (25 namespaces of 20
 * Deployments, each workload calling 10 others, some through a Service,
 * a few external peers) is served by the ui's own routes and graph builder;
 * the PromQL answers come from the generated series instead of a Prometheus,
 * so the figures are the ui's and the browser's alone. Debian's headless
 * chromium loads the page ROUNDS times (fresh page each round). One JSON line:
 *
 *   load_ms        navigation start → graph fetched, laid out and drawn (median)
 *   render_ms      of which the first layout and draw (median)
 *   api_ms         /api/graph answer time at this size (median)
 *   update_ms      a live refresh with new numbers: fetch + in-place update (median)
 *   edge_detail_ms an edge's recent flows fetched from the page (median)
 *   target_load_ms 1000
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type RouteHandler } from '@flowmesh/lib';
import { launchChromium } from '@flowmesh/lib/testing';
import { PairLabeller } from '@flowmesh/flow-metrics';
import { PrometheusClient, RecentFlows, type Sample } from '@flowmesh/ui';
import { uiRoutes } from '../services/ui/src/http/ui-routes.js';
import { loadWebAssets } from '../services/ui/src/http/web-assets.js';

const NAMESPACES = 25;
const PER_NAMESPACE = 20;
const CALLS_PER_WORKLOAD = 10;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LATENCY_BUCKETS = ['0.001', '0.005', '0.025', '0.1', '0.5', '+Inf'];

/** Pair label sets: 500 workloads × 10 callees = 5,000 edges (a Service hop on every fifth). */
function pairs(): Record<string, string>[] {
  const list: Record<string, string>[] = [];
  const total = NAMESPACES * PER_NAMESPACE;
  for (let w = 0; w < total; w++) {
    for (let c = 1; c <= CALLS_PER_WORKLOAD; c++) {
      const callee = (w + c * 37) % total;
      const external = c === CALLS_PER_WORKLOAD && w % 25 === 0;
      list.push({
        src_namespace: `ns-${Math.floor(w / PER_NAMESPACE)}`,
        src_workload_kind: 'Deployment',
        src_workload: `app-${w}`,
        dst_namespace: external ? '' : `ns-${Math.floor(callee / PER_NAMESPACE)}`,
        dst_workload_kind: external ? 'external' : 'Deployment',
        dst_workload: external ? `AS${64500 + (w % 7)}` : `app-${callee}`,
        dst_service: !external && c % 5 === 0 ? `svc-${callee}` : '',
        protocol: c % 4 === 0 ? 'udp' : 'tcp',
        dst_port_class: c % 4 === 0 ? '53' : '8080',
      });
    }
  }
  return list;
}

/** Answers the ui's PromQL from the generated pairs, by the metric it names; `scale` changes the numbers between refreshes. */
class GeneratedPrometheus extends PrometheusClient {
  scale = 1;
  constructor(private readonly labels: Record<string, string>[]) {
    super('http://generated.invalid', 1000);
  }
  override async query(promql: string): Promise<Sample[]> {
    const value = (i: number) => ((i % 97) + 1) * 1000 * this.scale;
    if (promql.includes('external_info')) return [];
    if (promql.includes('latency_seconds_bucket')) {
      return this.labels.flatMap((labels, i) => LATENCY_BUCKETS.map((le, b) => ({ labels: { ...labels, le }, value: (b + 1) * ((i % 5) + 1) })));
    }
    const direction = promql.includes('packets_total') ? [{ direction: 'request' }, { direction: 'response' }] : [{}];
    return this.labels.flatMap((labels, i) => direction.map((d) => ({ labels: { ...labels, ...d }, value: value(i) })));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const prometheus = new GeneratedPrometheus(pairs());
const labeller = new PairLabeller({ granularity: 'workload', portClasses: ['53', '8080'], externalGrouping: 'asn' });
const routes: RouteHandler = uiRoutes({
  assets: await loadWebAssets(),
  prometheus,
  recent: new RecentFlows(labeller, 1000, 900_000),
  refreshMs: 600_000,
  probeWorkloads: new Set(),
  logger: createLogger('ui-bench', 'error'),
  observe: () => undefined,
});
const server = createServer((request, response) => {
  if (!routes(request, response)) response.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser = await launchChromium();
const load: number[] = [];
const render: number[] = [];
const api: number[] = [];
const update: number[] = [];
const click: number[] = [];
let drawn = { nodes: 0, edges: 0 };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await fetch(`${url}api/graph`).then((r) => r.arrayBuffer());
    api.push(performance.now() - started);

    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window.flowmeshMap?.refreshes ?? 0) >= 1, undefined, { timeout: 60_000, polling: 20 });
    // performance.now() in the page counts from navigation start.
    const figures = await page.evaluate(() => ({ now: performance.now(), timing: window.flowmeshMap!.timing }));
    load.push(figures.now);
    render.push(figures.timing.layoutMs);
    drawn = { nodes: figures.timing.nodes, edges: figures.timing.edges };

    prometheus.scale = round + 2;
    const updated = await page.evaluate(async () => {
      const before = window.flowmeshMap!.refreshes;
      const t = performance.now();
      document.getElementById('range')!.dispatchEvent(new Event('change'));
      while (window.flowmeshMap!.refreshes === before) await new Promise((resolve) => setTimeout(resolve, 5));
      return performance.now() - t;
    });
    update.push(updated);

    // Selecting an edge: its detail panel drawn (the API answer and the table).
    const clicked = await page.evaluate(async () => {
      const map = window.flowmeshMap!;
      const t = performance.now();
      const response = await fetch(`api/edge?${new URLSearchParams({ source: map.graph!.edges[0]!.source, target: map.graph!.edges[0]!.target })}`);
      await response.json();
      return performance.now() - t;
    });
    click.push(clicked);
    process.stderr.write(`round ${round}: load ${Math.round(figures.now)} ms, render ${Math.round(figures.timing.layoutMs)} ms, update ${Math.round(updated)} ms\n`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
process.stdout.write(
  `${JSON.stringify({
    bench: 'ui-map',
    workloads: NAMESPACES * PER_NAMESPACE,
    drawn_nodes: drawn.nodes,
    drawn_edges: drawn.edges,
    rounds: ROUNDS,
    load_ms: Math.round(median(load)),
    render_ms: Math.round(median(render)),
    api_ms: Math.round(median(api)),
    update_ms: Math.round(median(update)),
    edge_detail_ms: Math.round(median(click)),
    target_load_ms: 1000,
  })}\n`,
);
