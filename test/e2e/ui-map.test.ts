/**
 * The map against the demo pipeline: the demo's simulated cluster in network
 * namespaces, real traffic from the traffic script captured by eBPF agents,
 * joiner, enricher, flow-metrics, Debian prometheus and the ui as the demo
 * runs them, and the page in Debian's headless chromium. The edges must be
 * the script's conversations with its exact bytes (counted once), an edge
 * lists its flows with both ends' processes, a namespace filter hides the
 * rest, and the page goes on after flow-metrics and the ui restart.
 * Saves a screenshot (FLOWMESH_SCREENSHOT=path to choose where).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEFAULT_LOADER_PATH, probeProblems } from '@flowmesh/node-agent';
import { clickUntilShown, launchChromium } from '@flowmesh/lib/testing';
import type { FlowRow, Graph } from '@flowmesh/ui';
import { startEmbeddedStack } from '../../cli/src/embedded-stack.js';
import { DEMO_PLAN, kubernetesObjects } from '../../cli/src/demo/cluster-plan.js';
import { startMap } from '../../cli/src/demo/map-services.js';
import { startPipeline } from '../../cli/src/demo/pipeline.js';
import { buildSimCluster } from '../../cli/src/demo/sim-cluster.js';
import { startTraffic, type Conversation } from '../../cli/src/demo/traffic.js';

const ebpfProblems = [...(process.getuid?.() === 0 ? [] : ['not root']), ...probeProblems({ loaderPath: DEFAULT_LOADER_PATH })];

async function until<T>(probe: () => Promise<T | undefined | false>, what: () => string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const plan = DEMO_PLAN;
const pod = (prefix: string) => plan.pods.find((p) => p.name.startsWith(prefix))!;
const workload = (prefix: string) => `workload:${pod(prefix).namespace}/Deployment/${pod(prefix).deployment}`;

/** The graph edges each client of the traffic script must make, keyed by its actor name. */
function edgesOf(actor: string): string[] {
  switch (actor) {
    case 'loadgen':
      return [`${workload('loadgen')}->service:shop/catalog`, `service:shop/catalog->${workload('catalog')}`];
    case 'frontend':
      return [`${workload('frontend')}->${workload('catalog')}`];
    case 'resolver':
      return [`${workload('frontend')}->${workload('coredns')}`];
    case 'webhook':
      // No GeoIP database in the demo: the external peer is grouped as "unknown".
      return [`${workload('frontend')}->external:unknown`];
    default:
      throw new Error(`unknown actor ${actor}`);
  }
}

it('the map of the demo pipeline: conversations, exact bytes, both ends\' processes, filter, restarts', { skip: ebpfProblems.length ? `needs root on a BTF kernel: ${ebpfProblems.join('; ')}` : false, timeout: 480_000 }, async () => {
  const stack = await startEmbeddedStack({ partitions: 4, prometheus: true });
  const cluster = await buildSimCluster(plan, `fmui${randomUUID().slice(0, 4)}`);
  const logDir = `${tmpdir()}/flowmesh-e2e-ui-${randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<void>)[] = [() => stack.stop(), () => cluster.teardown()];
  try {
    for (const object of kubernetesObjects(plan)) stack.kubeApi.standin.create(object);
    const pipeline = await startPipeline({ stack, plan, agents: plan.nodes.map((n) => ({ kind: 'ebpf', node: n.name, netnsPath: `/var/run/netns/${cluster.netnsOf(n.name)}` })), windowMs: 1000, logDir, flowMetrics: true });
    for (const service of pipeline.services) stack.prometheus!.setTargets(service.name, [`127.0.0.1:${service.port}`]);
    cleanups.push(() => pipeline.stop());
    // The machine may be busy: starting a dozen Node services takes a while then.
    await pipeline.waitReady(180_000);
    const map = await startMap({ stack, logDir });
    cleanups.push(() => map.stop());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    // Long enough for several scrapes (the stack's Prometheus scrapes every 5 s), so the map has rates too.
    const traffic = await startTraffic(plan, cluster, { requests: 60, intervalMs: 300 });
    const truth: Conversation[] = await traffic.finished;
    const expected = new Map<string, number>();
    for (const conversation of truth) {
      for (const edge of edgesOf(conversation.actor)) expected.set(edge, (expected.get(edge) ?? 0) + conversation.bytesSent + conversation.bytesReceived);
    }

    const graph = async () => (await (await fetch(`${map.url}api/graph`)).json()) as Graph;
    let last: Graph | undefined;
    const mismatch = () => [...expected].filter(([id, bytes]) => last?.edges.find((e) => e.id === id)?.totalBytes !== bytes);
    // Each edge's bytes since start are the traffic script's bytes of its conversations, counted once (client side).
    await until(
      async () => {
        last = await graph();
        return mismatch().length === 0;
      },
      () => `edges with the script's bytes; expected ${JSON.stringify([...expected])}, got ${JSON.stringify(last?.edges.map((e) => [e.id, e.totalBytes]))}`,
    );
    for (const id of ['service:shop/catalog', 'external:unknown', workload('coredns')]) assert.ok(last!.nodes.some((n) => n.id === id), `node ${id}`);
    await until(async () => {
      last = await graph();
      return [...expected.keys()].every((id) => (last!.edges.find((e) => e.id === id)?.bytesPerSecond ?? 0) > 0);
    }, () => `a rate on every edge: ${JSON.stringify(last?.edges.map((e) => [e.id, e.bytesPerSecond]))}`);

    const page: Page = await browser.context.newPage();
    await page.goto(map.url);
    const drawn = () => page.evaluate(() => window.flowmeshMap?.view.drawnIds() ?? []);
    const ids = await until(async () => {
      const now = await drawn();
      return [...expected.keys()].every((id) => now.includes(id)) && now;
    }, () => 'every conversation drawn');
    assert.ok(ids.includes('external:unknown') && ids.includes('service:shop/catalog'));

    // Click the loadgen → Service edge: its flows name the process at each end.
    const edge = `${workload('loadgen')}->service:shop/catalog`;
    const { source, target } = last!.edges.find((e) => e.id === edge)!;
    let answer: { flows: FlowRow[] } | undefined;
    await until(async () => {
      answer = (await (await fetch(`${map.url}api/edge?${new URLSearchParams({ source, target, limit: '100' })}`)).json()) as { flows: FlowRow[] };
      return answer.flows.length > 0;
    }, () => `the edge's recent flows from the ui: ${JSON.stringify(answer)}`);
    await clickUntilShown(page, () => page.evaluate((id) => window.flowmeshMap!.view.pagePosition(id), edge), '#flows tr.flow');
    const names = await page.locator('#flows tr.flow .process-name').allTextContents();
    assert.ok(names.includes('loadgen') && names.includes('catalog-api'), `process names at both ends: ${names.join(', ')}`);
    await page.screenshot({ path: process.env.FLOWMESH_SCREENSHOT ?? `${tmpdir()}/flowmesh-ui-demo-map.png` });

    // A namespace filter: kube-system keeps the DNS conversation and hides the rest of shop's.
    await page.selectOption('#namespace', 'kube-system');
    await until(async () => {
      const now = await drawn();
      return now.includes(`${workload('frontend')}->${workload('coredns')}`) && !now.includes(workload('loadgen')) && !now.includes('service:shop/catalog');
    }, () => 'the kube-system view');
    await page.selectOption('#namespace', '');

    // Restarts: flow-metrics (its counters start again) and the ui itself; the page goes on.
    const refreshes = () => page.evaluate(() => window.flowmeshMap!.refreshes);
    const flowMetrics = pipeline.services.findIndex((s) => s.name === 'flow-metrics');
    pipeline.services[flowMetrics] = await pipeline.services[flowMetrics]!.restart();
    await map.restart();
    const after = await refreshes();
    await until(async () => (await refreshes()) >= after + 2 && (await page.evaluate(() => window.flowmeshMap!.lastError)) === '', () => 'refreshes after the restarts');
    const stillDrawn = await drawn();
    assert.ok([...expected.keys()].every((id) => stillDrawn.includes(id)), 'the conversations are still on the map (rates over the range survive the counter reset)');
    await page.close();
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
});
