/**
 * The map's real surroundings for its tests: the embedded broker, the real
 * flow-metrics service and the ui in this process, and Debian's prometheus
 * scraping flow-metrics, with enriched flows produced onto the flows topic.
 */
import { RecordCodec, TOPICS, createProducer, freePort, loadConfig, startMockBroker, startPrometheusServer, type EnrichedFlow, type MockBroker, type PrometheusServer, type ServiceHandle } from '@flowmesh/lib';
import { testKafka, type HeadlessBrowser } from '@flowmesh/lib/testing';
import type { Page } from 'playwright-core';
import { flowMetricsOptions, runFlowMetrics } from '@flowmesh/flow-metrics';
import { runUi, uiOptions } from '../../src/index.js';

export interface MapStack {
  broker: MockBroker;
  prometheus: PrometheusServer;
  flowMetrics: ServiceHandle;
  ui: ServiceHandle;
  uiUrl: string;
  produce(flows: EnrichedFlow[]): Promise<void>;
  stop(): Promise<void>;
}

const codec = RecordCodec.local('EnrichedFlow');

export async function startMapStack(options: { refreshMs?: number; uiFlags?: Record<string, unknown> } = {}): Promise<MapStack> {
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  try {
    const broker = await startMockBroker();
    started.push(() => broker.stop());
    for (const topic of [TOPICS.flows, TOPICS.dlq]) await broker.createTopic(topic, 2);
    const common = { kafkaBrokers: broker.brokers.join(','), httpHost: '127.0.0.1', kafkaPartitions: 2, commitIntervalMs: 200, sessionTimeoutMs: 6000, logLevel: 'warn' };
    const flowMetrics = await runFlowMetrics(loadConfig(flowMetricsOptions, { env: {}, flags: { ...common, httpPort: await freePort() } }), { installSignalHandlers: false });
    started.push(() => flowMetrics.shutdown('test done'));
    const prometheus = await startPrometheusServer({ scrapeIntervalMs: 1000 });
    started.push(() => prometheus.stop());
    prometheus.setTargets('flow-metrics', [`127.0.0.1:${flowMetrics.httpPort}`]);
    const ui = await runUi(
      loadConfig(uiOptions, {
        env: {},
        flags: { ...common, httpPort: await freePort(), prometheusUrl: prometheus.url, fromBeginning: true, refreshMs: options.refreshMs ?? 1000, ...options.uiFlags },
      }),
      { installSignalHandlers: false },
    );
    started.push(() => ui.shutdown('test done'));
    const producer = await createProducer(testKafka(broker.brokers), { kafkaCompression: 'none', kafkaIdempotent: false });
    started.push(() => producer.producer.disconnect());
    // Every test reads rates from Prometheus: from its first scrape of flow-metrics on.
    await until(async () => (await prometheus.query('up{job="flow-metrics"}')).some((s) => s.value === 1), 'Prometheus scraping flow-metrics');
    return {
      broker,
      prometheus,
      flowMetrics,
      ui,
      uiUrl: `http://127.0.0.1:${ui.httpPort}/`,
      async produce(flows) {
        await producer.producer.send({ topic: TOPICS.flows, messages: flows.map((flow) => ({ key: `${flow.src_addr}|${flow.src_port}`, value: codec.encode(flow) })) });
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The ids of what the page's map has drawn. */
export const drawnIds = (page: Page) => page.evaluate(() => window.flowmeshMap!.view.drawnIds());

/** A page of the map once its first graph is drawn. */
export async function openMap(browser: HeadlessBrowser, uiUrl: string, path = ''): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${uiUrl}${path}`);
  await page.waitForFunction(() => (window.flowmeshMap?.timing.drawnAt ?? 0) > 0, undefined, { timeout: 45_000 });
  return page;
}

export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
