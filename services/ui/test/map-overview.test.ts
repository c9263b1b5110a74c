/**
 * A big map in a real headless Chromium against the real flow-metrics
 * service, Debian's prometheus and the embedded broker: it opens as its
 * overview (namespaces collapsed, with a note saying so), a double-click
 * expands a namespace and the URL keeps it, a shared URL naming an expanded
 * namespace is obeyed, and "expand all" draws the whole map.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { EnrichedFlow } from '@flowmesh/lib';
import { launchChromium, sampleEnriched, type HeadlessBrowser } from '@flowmesh/lib/testing';
import { BIG_MAP_ELEMENTS, type Graph } from '../src/index.js';
import { drawnIds as drawn, openMap as openPage, startMapStack, until, type MapStack } from './support/map-stack.js';

const NAMESPACES = 8;
const PER_NAMESPACE = 12;
/** Each workload calls this many others (7 is prime to the workload count, so no pair twice): 1,536 edges. */
const CALLS = 16;
const TOTAL = NAMESPACES * PER_NAMESPACE;
const namespaceOf = (w: number) => `ns-${Math.floor(w / PER_NAMESPACE)}`;
const workloadId = (w: number) => `workload:${namespaceOf(w)}/Deployment/app-${w}`;

const end = (prefix: 'src' | 'dst', w: number): Partial<EnrichedFlow> => ({
  [`${prefix}_workload_name`]: `app-${w}`,
  [`${prefix}_workload_namespace`]: namespaceOf(w),
  [`${prefix}_workload_kind`]: 'Deployment',
  [`${prefix}_object_namespace`]: namespaceOf(w),
  [`${prefix}_object_name`]: `app-${w}-5d8f7c9b6-abcde`,
});

/** The client's record of every conversation, no Service dialled. */
function records(): EnrichedFlow[] {
  const time = Date.now();
  return Array.from({ length: TOTAL * CALLS }, (_, i) => {
    const [src, dst] = [Math.floor(i / CALLS), (Math.floor(i / CALLS) + ((i % CALLS) + 1) * 7) % TOTAL];
    return sampleEnriched({ ...end('src', src), ...end('dst', dst), service_name: null, service_namespace: null, service_addr: null, service_port: null, timestamp: time - 1000, window_end: time });
  });
}

let stack: MapStack;
let browser: HeadlessBrowser;
const updates = (page: Page) => page.evaluate(() => window.flowmeshMap!.timing.updates);

const openMap = (path = '') => openPage(browser, stack.uiUrl, path);

before(async () => {
  stack = await startMapStack({ refreshMs: 60_000 });
  browser = await launchChromium();
  await stack.produce(records());
  await until(async () => {
    const whole = (await (await fetch(`${stack.uiUrl}api/graph`)).json()) as Graph;
    return whole.edges.length === TOTAL * CALLS;
  }, 'every conversation in Prometheus', 90_000);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('a big map', () => {
  it('opens as its overview: one node per namespace, a note saying what the whole map holds', async () => {
    const page = await openMap();
    const ids = await drawn(page);
    const nodes = ids.filter((id) => !id.includes('->'));
    assert.deepEqual(nodes.sort(), Array.from({ length: NAMESPACES }, (_, n) => `namespace:ns-${n}`).sort());
    assert.ok(ids.filter((id) => id.includes('->')).every((id) => /^namespace:ns-\d+->namespace:ns-\d+$/.test(id)), 'namespace-to-namespace edges only');
    const note = await page.locator('#overview-note').textContent();
    assert.match(note ?? '', /96 workloads in 8 namespaces: double-click a namespace to expand it/);
    const elements = Number((note ?? '').match(/expand all \(([\d,]+) elements/)?.[1]?.replace(/,/g, ''));
    assert.ok(elements > BIG_MAP_ELEMENTS, `the whole map's ${elements} elements`);
    await page.close();
  });

  it('a double-click expands a namespace, and the URL keeps it', async () => {
    const page = await openMap();
    const where = await page.evaluate(() => window.flowmeshMap!.view.pagePosition('namespace:ns-1'));
    assert.ok(where, 'ns-1 is on the page');
    const before = await updates(page);
    await page.mouse.dblclick(where.x, where.y);
    await until(async () => (await updates(page)) > before && (await drawn(page)).includes(workloadId(12)), 'ns-1 expanded');
    const ids = await drawn(page);
    for (let w = 12; w < 24; w++) assert.ok(ids.includes(workloadId(w)), `${workloadId(w)} drawn`);
    assert.ok(!ids.includes(workloadId(0)) && ids.includes('namespace:ns-0'), 'the other namespaces stay collapsed');
    assert.equal(new URL(page.url()).searchParams.get('expand'), 'ns-1');
    assert.match((await page.locator('#overview-note').textContent()) ?? '', /\(1 expanded\)/);
    await page.close();
  });

  it('a shared URL selecting an edge of the whole map opens with its namespaces expanded and the edge selected', async () => {
    const edge = `${workloadId(0)}->${workloadId(7)}`;
    const page = await openMap(`?selected=${encodeURIComponent(`edge:${edge}`)}`);
    await until(async () => (await drawn(page)).includes(edge), 'the selected edge drawn');
    assert.deepEqual(new URL(page.url()).searchParams.get('expand')?.split(',').sort(), ['ns-0']);
    assert.ok(!(await drawn(page)).includes(workloadId(12)), 'other namespaces stay collapsed');
    await until(async () => /app-0 → app-7/.test((await page.locator('#detail').textContent()) ?? ''), 'the edge\'s detail');
    await page.close();
  });

  it('a shared URL naming an expanded namespace is obeyed, and "expand all" draws the whole map', async () => {
    const page = await openMap('?expand=ns-3');
    let ids = await drawn(page);
    assert.ok(ids.includes(workloadId(36)) && ids.includes('namespace:ns-2') && !ids.includes(workloadId(24)), 'ns-3 expanded, ns-2 not');
    const before = await updates(page);
    await page.click('#expand-all');
    await until(async () => (await updates(page)) > before && (await drawn(page)).includes(workloadId(0)), 'the whole map');
    ids = await drawn(page);
    assert.equal(ids.filter((id) => id.startsWith('workload:') && !id.includes('->')).length, TOTAL);
    assert.equal(ids.filter((id) => id.includes('->')).length, TOTAL * CALLS);
    assert.equal(new URL(page.url()).searchParams.get('expand'), '*');
    assert.equal(await page.locator('#show-overview').textContent(), 'back to the overview');
    await page.close();
  });
});
