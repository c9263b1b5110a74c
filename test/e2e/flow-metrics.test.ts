/**
 * flow-metrics end to end: the fixed scenario's halves go through the real
 * joiner and enricher (metadata-sync filling Redis from the Kubernetes API
 * stand-in, GeoIP from the test databases) into flow-metrics, which the real
 * Prometheus scrapes; every assertion is PromQL over Prometheus's HTTP API.
 * The Grafana dashboard's and the PrometheusRule's queries then run against
 * the same Prometheus and must return data.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { RecordCodec, TOPICS, createProducer, startPrometheusServer, windowStart, type PrometheusServer } from '@flowmesh/lib';
import { testKafka, writeGeoDatabases } from '@flowmesh/lib/testing';
import { startEmbeddedStack, type EmbeddedStack } from '../../cli/src/embedded-stack.js';
import { kubernetesObjects } from '../../cli/src/demo/cluster-plan.js';
import { startPipeline, type RunningPipeline } from '../../cli/src/demo/pipeline.js';
import { SCENARIO, SCENARIO_PLAN, scenarioHalves } from './flow-metrics-scenario.js';
import { dashboardQueries, ruleFileOf, ruleQueries } from './grafana-queries.js';

const halfCodec = RecordCodec.local('FlowHalf');

let stack: EmbeddedStack;
let pipeline: RunningPipeline | undefined;
let prometheus: PrometheusServer;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const scalar = async (promql: string) => (await prometheus.query(promql))[0]?.value ?? null;
const halves = scenarioHalves({ start: 0, end: 0 }).length;

describe('flow-metrics end to end, through the real pipeline and Prometheus', () => {
  before(async () => {
    stack = await startEmbeddedStack({ partitions: 4 });
    for (const object of kubernetesObjects(SCENARIO_PLAN)) stack.kubeApi.standin.create(object);
    const geo = writeGeoDatabases();
    pipeline = await startPipeline({
      stack,
      plan: SCENARIO_PLAN,
      agents: [],
      windowMs: 1000,
      logDir: `${tmpdir()}/flowmesh-fm-e2e-${randomUUID().slice(0, 8)}`,
      flowMetrics: true,
      extraFlags: { enricher: ['--geoip-db', geo.geoipDb, '--asn-db', geo.asnDb], 'flow-metrics': ['--port-classes', '80,443,6379,8080'] },
    });
    await pipeline.waitReady(90_000);
    prometheus = await startPrometheusServer({ scrapeIntervalMs: 1000, ruleFiles: [ruleFileOf()] });
    for (const service of pipeline.services) prometheus.setTargets(service.name, [`127.0.0.1:${service.port}`]);

    const start = windowStart(Date.now(), 1000);
    const producer = await createProducer(testKafka(stack.kafkaBrokers.split(',')), { kafkaCompression: 'none', kafkaIdempotent: false });
    await producer.producer.send({
      topic: TOPICS.halves,
      messages: scenarioHalves({ start, end: start + 1000 }).map(({ key, half }) => ({ key, value: halfCodec.encode(half) })),
    });
    await producer.producer.disconnect();
    await until(() => scalar('sum(flowmesh_flow_metrics_records_total{job="flow-metrics"})'), (v) => v === halves, 'every enriched record aggregated and scraped');
  });

  after(async () => {
    await prometheus?.stop();
    await pipeline?.stop();
    await stack?.stop();
  });

  it('bytes per workload pair, each conversation once, whichever ends reported', async () => {
    const pairs = await prometheus.query('sum by (src_workload, dst_workload, dst_service, direction) (flowmesh_traffic_bytes_total{job="flow-metrics"})');
    // Prometheus drops empty labels: an absent dst_service is "".
    const found = new Map(pairs.map((s) => [`${s.metric.src_workload}>${s.metric.dst_workload}|${s.metric.dst_service ?? ''}|${s.metric.direction}`, s.value]));
    const expected = new Map(
      SCENARIO.flatMap((c) => [
        [`${c.src}>${c.dst}|${c.dstService}|request`, c.request],
        [`${c.src}>${c.dst}|${c.dstService}|response`, c.response],
      ]),
    );
    assert.deepEqual(Object.fromEntries(found), Object.fromEntries(expected));
    assert.equal(await scalar('sum(flowmesh_flow_metrics_records_total{job="flow-metrics", result="not_counted_peer_half"})'), 2);
    // Latency from the three client halves only: 2 ms each, the servers' 90 ms never.
    assert.equal(await scalar('sum(flowmesh_traffic_latency_seconds_count{job="flow-metrics"})'), 3);
    assert.equal(await scalar('sum(flowmesh_traffic_latency_seconds_bucket{job="flow-metrics", le="0.0025"})'), 3);
    assert.equal(await scalar('sum(flowmesh_traffic_retransmits_total{job="flow-metrics"})'), 3 + 7);
    assert.equal(await scalar('sum(flowmesh_traffic_connections_opened_total{job="flow-metrics"})'), SCENARIO.length);
    const labels = (await prometheus.query('flowmesh_traffic_bytes_total{job="flow-metrics", dst_workload="catalog", src_workload="frontend", direction="request"}'))[0]!.metric;
    assert.deepEqual(
      [labels.src_namespace, labels.src_workload_kind, labels.dst_namespace, labels.dst_workload_kind, labels.protocol, labels.dst_port_class],
      ['shop', 'Deployment', 'shop', 'Deployment', 'tcp', '8080'],
    );
  });

  it('the external peer by country, city and ASN, with a location for the geomap', async () => {
    const external = await prometheus.query('flowmesh_traffic_bytes_total{job="flow-metrics", dst_workload_kind="external"}');
    assert.deepEqual([...new Set(external.map((s) => s.metric.dst_workload))], ['AS64500']);
    assert.equal(external[0]!.metric.dst_namespace, undefined, 'an external end has no namespace (empty label)');
    const info = await prometheus.query('flowmesh_traffic_external_info{job="flow-metrics"}');
    assert.equal(info.length, 1);
    const { external: name, country, city, asn, org, latitude, longitude } = info[0]!.metric;
    assert.deepEqual({ name, country, city, asn, org }, { name: 'AS64500', country: 'NL', city: 'Amsterdam', asn: '64500', org: 'Example Transit' });
    assert.ok(Math.abs(Number(latitude) - 52.3676) < 1e-6 && Math.abs(Number(longitude) - 4.9041) < 1e-6, `${latitude},${longitude}`);
  });

  it('cross-zone bytes: only the pair whose ends are in different zones', async () => {
    const zones = await prometheus.query('sum by (src_zone, dst_zone) (flowmesh_traffic_cross_zone_bytes_total{job="flow-metrics"})');
    const crossing = SCENARIO.filter((c) => c.crossZone);
    assert.deepEqual(
      zones.map((s) => ({ ...s.metric, bytes: s.value })),
      [{ src_zone: 'zone-a', dst_zone: 'zone-b', bytes: crossing.reduce((total, c) => total + c.request + c.response, 0) }],
    );
  });

  it('every query of the Grafana dashboard and of the PrometheusRule runs and returns data for the scenario', async () => {
    // rate() needs two samples in its window.
    await until(() => scalar('count_over_time(flowmesh_flow_metrics_series{job="flow-metrics"}[1m])'), (v) => (v ?? 0) >= 3, 'three scrapes');
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.equal(loaded.length, ruleQueries().length, 'every rule loaded');
    await until(async () => (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof rules, (r) => r.data.groups.flatMap((g) => g.rules).every((rule) => rule.health === 'ok'), 'every rule evaluated without error');
    const queries = [...dashboardQueries(), ...ruleQueries()];
    assert.ok(queries.length >= 10, `only ${queries.length} queries found`);
    const empty: string[] = [];
    for (const { where, expr } of queries) {
      const data = await prometheus.queryData(expr).catch((error: Error) => assert.fail(`${where}: ${error.message}`));
      if (Array.isArray(data.result) && data.result.length === 0) empty.push(`${where}: ${expr}`);
    }
    assert.deepEqual(empty, [], 'queries without data');
  });

  it('Prometheus scrapes every flowmesh service of the pipeline', async () => {
    const up = await prometheus.query('up');
    const services = pipeline!.services.map((s) => s.name).sort();
    assert.deepEqual(up.filter((s) => s.value === 1).map((s) => s.metric.job).sort(), services);
  });
});
