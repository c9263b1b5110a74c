/**
 * The map in a real headless Chromium (Debian's, via playwright-core) against
 * the real flow-metrics service, Debian's prometheus and the embedded broker:
 * nodes and edges of a small cluster's conversations with their byte counts,
 * an edge's recent flows with both ends' processes, the namespace filter,
 * the URL that keeps the view, and live refresh that keeps the layout.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { clickUntilShown, launchChromium, type HeadlessBrowser } from '@flowmesh/lib/testing';
import type { Graph } from '../src/index.js';
import { drawnIds as drawn, openMap as openPage, startMapStack, until, type MapStack } from './support/map-stack.js';
import { SMALL_CLUSTER, round } from './support/small-cluster.js';

const ROUNDS = 6;
let stack: MapStack;
let browser: HeadlessBrowser;

async function graph(query = ''): Promise<Graph> {
  const response = await fetch(`${stack.uiUrl}api/graph?${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Graph;
}

const edgeId = ([source, target]: [string, string]) => `${source}->${target}`;
const refreshes = (page: Page) => page.evaluate(() => window.flowmeshMap!.refreshes);

const openMap = (path = '') => openPage(browser, stack.uiUrl, path);

before(async () => {
  stack = await startMapStack();
  browser = await launchChromium();
  // The stack is up once Prometheus scrapes flow-metrics: spread the rounds over several scrapes after that, so rates exist.
  for (let n = 0; n < ROUNDS; n++) {
    await stack.produce(round(n));
    await new Promise((resolve) => setTimeout(resolve, 1200));
  }
  // Every round counted, scraped and in the window.
  const expected = SMALL_CLUSTER[3]!.requestBytes + SMALL_CLUSTER[3]!.responseBytes;
  await until(async () => (await graph()).edges.find((e) => e.id === edgeId(SMALL_CLUSTER[3]!.edges[0]!))?.totalBytes === ROUNDS * expected, 'every round in Prometheus');
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the map', () => {
  it('the API has every conversation as its edges, bytes counted once', async () => {
    const answer = await graph();
    const ids = new Set(answer.nodes.map((n) => n.id));
    for (const id of ['workload:shop/Deployment/frontend', 'service:shop/catalog', 'workload:shop/Deployment/catalog', 'workload:kube-system/Deployment/coredns', 'external:AS64500', 'workload:default/Deployment/client', 'workload:default/Deployment/web']) {
      assert.ok(ids.has(id), `node ${id} in ${[...ids].join(', ')}`);
    }
    const expected = SMALL_CLUSTER.flatMap((c) => c.edges.map((edge) => ({ id: edgeId(edge), bytes: ROUNDS * (c.requestBytes + c.responseBytes) })));
    assert.deepEqual(answer.edges.map((e) => e.id).sort(), expected.map((e) => e.id).sort());
    for (const { id, bytes } of expected) {
      const edge = answer.edges.find((e) => e.id === id)!;
      // The server's MATCHED half is not counted again: exactly the client's bytes.
      assert.equal(edge.totalBytes, bytes, id);
      assert.ok(edge.bytesPerSecond > 0, `${id} has a rate`);
    }
    const tcp = answer.edges.find((e) => e.id === edgeId(SMALL_CLUSTER[3]!.edges[0]!))!;
    assert.ok(tcp.latencyP50Ms !== null && tcp.latencyP50Ms >= 1 && tcp.latencyP50Ms <= 5, `p50 ${tcp.latencyP50Ms} ms`);
    assert.ok(tcp.retransmitRatio !== null && tcp.retransmitRatio > 0, 'retransmits seen');
    const external = answer.nodes.find((n) => n.id === 'external:AS64500')!;
    assert.equal(external.external?.org, 'Example Net');
    assert.equal(external.parent, 'country:DE');
  });

  it('the page draws the workloads, the Service and the external peer, and lists an edge\'s flows with both ends\' processes', async () => {
    const page = await openMap();
    const ids = await drawn(page);
    for (const c of SMALL_CLUSTER) for (const edge of c.edges) assert.ok(ids.includes(edgeId(edge)), `edge ${edgeId(edge)} drawn`);
    assert.ok(ids.includes('external:AS64500') && ids.includes('service:shop/catalog'));

    const target = edgeId(SMALL_CLUSTER[0]!.edges[1]!); // catalog Service → catalog
    const locate = () => page.evaluate((id) => window.flowmeshMap!.view.pagePosition(id), target);
    assert.ok(await locate(), 'the edge is on the page');
    await clickUntilShown(page, locate, '#flows tr.flow');
    const names = await page.locator('#flows tr.flow .process-name').allTextContents();
    assert.ok(names.includes('frontend') && names.includes('catalog-api'), `process names ${names.join(', ')}`);
    assert.ok((await page.locator('#flows').textContent())!.includes('catalog-api --listen :8080'), 'the server command line');
    assert.match(page.url(), /selected=edge/);
    await page.screenshot({ path: `${tmpdir()}/flowmesh-ui-map-test.png` });
    await page.close();
  });

  it('a namespace filter hides the other namespaces\' conversations, and the URL keeps the view', async () => {
    const page = await openMap();
    const before = await refreshes(page);
    await page.selectOption('#namespace', 'shop');
    await until(async () => (await refreshes(page)) > before && !(await drawn(page)).includes('workload:default/Deployment/web'), 'the filtered drawing');
    const ids = await drawn(page);
    assert.ok(!ids.includes('workload:default/Deployment/client'), 'default/client hidden');
    assert.ok(ids.includes('workload:kube-system/Deployment/coredns'), 'a peer of shop stays');
    assert.match(page.url(), /namespace=shop/);
    const shared = page.url();
    await page.close();

    const reopened = await openMap(shared.slice(stack.uiUrl.length));
    assert.equal(await reopened.inputValue('#namespace'), 'shop');
    assert.ok(!(await drawn(reopened)).includes('workload:default/Deployment/web'), 'the shared link shows the filtered view');
    await reopened.close();
  });

  it('refreshes on its own without moving what the user laid out', async () => {
    const page = await openMap();
    const id = 'workload:shop/Deployment/frontend';
    const before = await page.evaluate((node) => window.flowmeshMap!.view.position(node), id);
    const count = await refreshes(page);
    await stack.produce(round(ROUNDS));
    await until(async () => (await refreshes(page)) >= count + 2, 'two more refreshes');
    assert.deepEqual(await page.evaluate((node) => window.flowmeshMap!.view.position(node), id), before);
    await page.close();
  });

  it('node detail: labels, pods and peers from the recent flows', async () => {
    const response = await fetch(`${stack.uiUrl}api/node?id=${encodeURIComponent('workload:shop/Deployment/frontend')}`);
    const detail = (await response.json()) as { labels: Record<string, string>; pods: string[]; peers: { id: string }[] };
    assert.equal(detail.labels.app, 'frontend');
    assert.deepEqual(detail.pods, ['shop/frontend-6c9d7b5f4-x2k8p']);
    assert.deepEqual(detail.peers.map((p) => p.id).sort(), ['external:AS64500', 'service:shop/catalog', 'workload:kube-system/Deployment/coredns']);
  });
});
