/**
 * Does the map load in under 1 s and stay responsive with 500 workloads and
 * 5,000 edges? A generated graph of that size (25 namespaces of 20
 * Deployments, each workload calling 10 others, some through a Service,
 * a few external peers) is served by the ui's own routes and graph builder;
 * the PromQL answers come from the generated series instead of a Prometheus,
 * so the figures are the ui's and the browser's alone. Such a map opens as
 * its overview (namespaces collapsed); the bench measures that, expanding one
 * namespace and expanding all. Debian's headless chromium loads the page in
 * alternating rounds: the same page with an empty graph (the baseline:
 * navigation, the script and Cytoscape starting), the big graph as it opens,
 * and the whole map from a shared `?expand=*` URL, ROUNDS of each, a fresh
 * browser for every page. One JSON line of medians:
 *
 *   load_ms          navigation start → the overview fetched, placed, its first
 *                    frame drawn and the page free for input again (the task
 *                    after that frame ran); drawn_nodes/drawn_edges: its size
 *   baseline_load_ms the same with an empty graph; load_ratio = load / baseline
 *   api_ms           /api/graph answer time of the overview, from Node
 *   render_ms        of load: the graph's answer handed to the map → drawn
 *   overview_update_ms  a live refresh of the overview with new numbers:
 *                    fetch, in-place update, drawn (…_longest_task_ms: the
 *                    longest main-thread task meanwhile, how long the page
 *                    could not answer input)
 *   expand_one_ms    a real double-click on a namespace → its workloads and
 *                    their edges drawn (and the longest task meanwhile)
 *   expand_all_ms    a click on "expand all" → the whole map drawn
 *   whole_load_ms    load of the whole map (whole_nodes, whole_edges) from a
 *                    `?expand=*` URL, as the page opened before the overview;
 *                    whole_render_ms, whole_api_ms as above
 *   whole_update_ms  a live refresh of the whole map (and its longest task)
 *   edge_detail_ms   a real mouse click on an edge of the whole map → its
 *                    recent flows listed
 *   target_load_ms   1000; meets_target: load_ms under it
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type RouteHandler } from '@flowmesh/lib';
import { launchChromium, sampleEnriched, type HeadlessBrowser } from '@flowmesh/lib/testing';
import { PairLabeller } from '@flowmesh/flow-metrics';
import { PrometheusClient, RecentFlows, type Sample } from '@flowmesh/ui';
import type { Page } from 'playwright-core';
import { uiRoutes } from '../services/ui/src/http/ui-routes.js';
import { EXPAND_ALL } from '../services/ui/web/view-state.js';
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

/** Answers the ui's PromQL from the generated pairs, by the metric it names; `scale` changes the numbers between refreshes, `empty` answers nothing. */
class GeneratedPrometheus extends PrometheusClient {
  scale = 1;
  empty = false;
  // Label sets are built once: making them is the generator's work, not the ui's.
  private readonly plain: Record<string, string>[];
  private readonly directions: Record<string, string>[];
  private readonly buckets: Record<string, string>[];
  constructor(labels: Record<string, string>[]) {
    super('http://generated.invalid', 1000);
    this.plain = labels;
    this.directions = labels.flatMap((l) => [{ ...l, direction: 'request' }, { ...l, direction: 'response' }]);
    this.buckets = labels.flatMap((l) => LATENCY_BUCKETS.map((le) => ({ ...l, le })));
  }
  override async query(promql: string): Promise<Sample[]> {
    if (this.empty || promql.includes('external_info')) return [];
    if (promql.includes('latency_seconds_bucket')) {
      return this.buckets.map((labels, i) => ({ labels, value: ((i % LATENCY_BUCKETS.length) + 1) * ((Math.floor(i / LATENCY_BUCKETS.length) % 5) + 1) }));
    }
    const sets = promql.includes('packets_total') ? this.directions : this.plain;
    const per = sets.length / this.plain.length;
    return sets.map((labels, i) => ({ labels, value: ((Math.floor(i / per) % 97) + 1) * 1000 * this.scale }));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The edge the bench clicks, app-0 → app-37 (direct, no Service), with a few recent flows so its detail has rows. */
const CLICKED = { source: 'workload:ns-0/Deployment/app-0', target: 'workload:ns-1/Deployment/app-37' };
function clickedFlows(now: number) {
  const end = (prefix: 'src' | 'dst', namespace: string, workload: string) => ({
    [`${prefix}_workload_name`]: workload,
    [`${prefix}_workload_namespace`]: namespace,
    [`${prefix}_workload_kind`]: 'Deployment',
    [`${prefix}_object_namespace`]: namespace,
    [`${prefix}_object_name`]: `${workload}-5d8f7c9b6-abcde`,
    [`${prefix}_process_name`]: workload,
  });
  return Array.from({ length: 20 }, (_, i) =>
    sampleEnriched({ ...end('src', 'ns-0', 'app-0'), ...end('dst', 'ns-1', 'app-37'), service_name: null, service_namespace: null, service_addr: null, service_port: null, timestamp: now - 2000 - i, window_end: now - i }),
  );
}

const prometheus = new GeneratedPrometheus(pairs());
const labeller = new PairLabeller({ granularity: 'workload', portClasses: ['53', '8080'], externalGrouping: 'asn' });
const recent = new RecentFlows(labeller, 1000, 900_000);
for (const flow of clickedFlows(Date.now())) recent.add(flow);
const routes: RouteHandler = uiRoutes({
  assets: await loadWebAssets(),
  prometheus,
  recent,
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
/** Each round's figures, by the name the JSON line gives their median. */
const figures = {
  load_ms: [] as number[],
  baseline_load_ms: [] as number[],
  api_ms: [] as number[],
  render_ms: [] as number[],
  overview_update_ms: [] as number[],
  overview_update_longest_task_ms: [] as number[],
  expand_one_ms: [] as number[],
  expand_one_longest_task_ms: [] as number[],
  expand_all_ms: [] as number[],
  whole_load_ms: [] as number[],
  whole_render_ms: [] as number[],
  whole_api_ms: [] as number[],
  whole_update_ms: [] as number[],
  whole_update_longest_task_ms: [] as number[],
  edge_detail_ms: [] as number[],
};
let drawn = { nodes: 0, edges: 0 };
let drawnWhole = { nodes: 0, edges: 0 };

/** A fresh page until its first drawing; performance.now() in the page counts from navigation start. */
/** A fresh browser for every page: pages of one site share a renderer process, and none should start with another's heap or caches. */
let browser: HeadlessBrowser | undefined;
async function open(path = '') {
  await browser?.close();
  browser = await launchChromium();
  const page = await browser.context.newPage();
  // Long tasks (over 50 ms) from the start, to tell how long a refresh blocks the page.
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = [];
    (window as unknown as { longTasks: typeof tasks }).longTasks = tasks;
    new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => ({ start: e.startTime, duration: e.duration })))).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${url}${path}`);
  await page.waitForFunction(() => (window.flowmeshMap?.timing.drawnAt ?? 0) > 0, undefined, { timeout: 60_000, polling: 20 });
  return { page, timing: await page.evaluate(() => ({ ...window.flowmeshMap!.timing })) };
}

/** Runs `act` (a user's input) and waits until the map drew the update it caused: ms until drawn, and the longest main-thread task meanwhile. */
async function untilRedrawn(page: Page, act: () => Promise<unknown>): Promise<{ ms: number; longest: number }> {
  const { updates, since } = await page.evaluate(() => ({ updates: window.flowmeshMap!.timing.updates, since: performance.now() }));
  const started = performance.now();
  await act();
  await page.waitForFunction((before) => window.flowmeshMap!.timing.updates > before && window.flowmeshMap!.timing.drawnAt > window.flowmeshMap!.timing.startedAt, updates, { timeout: 60_000, polling: 5 });
  const ms = performance.now() - started;
  const longest = await page.evaluate((t) => Math.max(0, ...(window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks.filter((task) => task.start + task.duration >= t).map((task) => task.duration)), since);
  return { ms, longest };
}

/** A live refresh with new numbers, as the timer runs it (the range control triggers the same refresh at once). */
const refresh = (page: Page) => untilRedrawn(page, () => page.evaluate(() => document.getElementById('range')!.dispatchEvent(new Event('change'))));

const apiTime = async (query: string) => {
  const started = performance.now();
  await fetch(`${url}api/graph?${query}`).then((r) => r.arrayBuffer());
  return performance.now() - started;
};

try {
  for (let round = 0; round < ROUNDS; round++) {
    prometheus.empty = true;
    const baseline = await open();
    figures.baseline_load_ms.push(baseline.timing.drawnAt);
    await baseline.page.close();

    prometheus.empty = false;
    prometheus.scale = 1;
    figures.whole_api_ms.push(await apiTime(''));
    figures.api_ms.push(await apiTime('overview=1'));

    // The page as it opens: the overview.
    const { page, timing } = await open();
    if (!(await page.evaluate(() => window.flowmeshMap!.graph?.overview))) throw new Error('the big map did not open as its overview');
    figures.load_ms.push(timing.drawnAt);
    figures.render_ms.push(timing.drawnAt - timing.startedAt);
    // UI_MAP_SCREENSHOT=path: how the overview looks (first round only; after the timing).
    if (round === 0 && process.env.UI_MAP_SCREENSHOT) await page.screenshot({ path: process.env.UI_MAP_SCREENSHOT });
    drawn = { nodes: timing.nodes, edges: timing.edges };
    prometheus.scale = round + 2;
    const overviewRefresh = await refresh(page);
    figures.overview_update_ms.push(overviewRefresh.ms);
    figures.overview_update_longest_task_ms.push(overviewRefresh.longest);

    // A real double-click on one namespace, until its workloads and their edges are drawn.
    const where = await page.evaluate(() => window.flowmeshMap!.view.pagePosition('namespace:ns-0'));
    if (!where) throw new Error('namespace ns-0 is not drawn');
    const expanded = await untilRedrawn(page, () => page.mouse.dblclick(where.x, where.y));
    if (!(await page.evaluate(() => window.flowmeshMap!.view.drawnIds().includes('workload:ns-0/Deployment/app-0')))) throw new Error('the double-click did not expand ns-0');
    figures.expand_one_ms.push(expanded.ms);
    figures.expand_one_longest_task_ms.push(expanded.longest);

    // Expand all: the whole map, as it opened before the overview.
    figures.expand_all_ms.push((await untilRedrawn(page, () => page.click('#expand-all'))).ms);
    if (await page.evaluate(() => window.flowmeshMap!.graph?.overview)) throw new Error('expand all still shows the overview');

    // A real click on the edge, zoomed in as a user would in a map this dense: its detail panel lists the recent flows.
    // Other edges cross it, so points along it are tried until the click lands on it; the time is the landing click's.
    const edgeId = `${CLICKED.source}->${CLICKED.target}`;
    await page.evaluate((id) => window.flowmeshMap!.view.zoomTo(id, 2), edgeId);
    let clickMs: number | undefined;
    for (const along of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7]) {
      const at = await page.evaluate(([id, a]) => window.flowmeshMap!.view.pagePosition(id, a), [edgeId, along] as const);
      if (!at) throw new Error('the clicked edge is not drawn');
      const clickStarted = performance.now();
      await page.mouse.click(at.x, at.y);
      const landed = await page.waitForFunction((id) => new URLSearchParams(location.search).get('selected') === `edge:${id}`, edgeId, { timeout: 2_000 }).then(() => true, () => false);
      if (!landed) continue;
      await page.waitForSelector('#flows tr.flow', { timeout: 30_000 });
      clickMs = performance.now() - clickStarted;
      break;
    }
    if (clickMs === undefined) throw new Error('no click landed on the edge');
    figures.edge_detail_ms.push(clickMs);

    // A live refresh of the whole map.
    prometheus.scale = round + 3;
    const refreshed = await refresh(page);
    figures.whole_update_ms.push(refreshed.ms);
    figures.whole_update_longest_task_ms.push(refreshed.longest);
    await page.close();

    // The whole map opened from a shared URL (expand=*): the page's load before the overview.
    prometheus.scale = 1;
    const whole = await open(`?expand=${EXPAND_ALL}`);
    figures.whole_load_ms.push(whole.timing.drawnAt);
    figures.whole_render_ms.push(whole.timing.drawnAt - whole.timing.startedAt);
    drawnWhole = { nodes: whole.timing.nodes, edges: whole.timing.edges };
    await whole.page.close();
    process.stderr.write(
      `round ${round}: overview load ${Math.round(timing.drawnAt)} ms (baseline ${Math.round(baseline.timing.drawnAt)}), expand one ${Math.round(expanded.ms)} ms, expand all ${Math.round(figures.expand_all_ms.at(-1)!)} ms, whole load ${Math.round(whole.timing.drawnAt)} ms, update ${Math.round(refreshed.ms)} ms (longest task ${Math.round(refreshed.longest)} ms), click ${Math.round(clickMs)} ms\n`,
    );
  }
} finally {
  await browser?.close();
  server.close();
}
const medians = Object.fromEntries(Object.entries(figures).map(([name, values]) => [name, Math.round(median(values))]));
const load = median(figures.load_ms);
process.stdout.write(
  `${JSON.stringify({
    bench: 'ui-map',
    workloads: NAMESPACES * PER_NAMESPACE,
    drawn_nodes: drawn.nodes,
    drawn_edges: drawn.edges,
    whole_nodes: drawnWhole.nodes,
    whole_edges: drawnWhole.edges,
    rounds: ROUNDS,
    ...medians,
    load_ratio: Number((load / median(figures.baseline_load_ms)).toFixed(2)),
    target_load_ms: 1000,
    meets_target: load < 1000,
  })}\n`,
);
