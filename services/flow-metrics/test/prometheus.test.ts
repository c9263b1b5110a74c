/**
 * flow-metrics against the real Prometheus (Debian prometheus): scraped, and
 * pushed by remote write to the same server's receiver. The cap on pairs is
 * checked with PromQL on what Prometheus stored.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { RecordCodec, createProducer, loadConfig, startMockBroker, startPrometheusServer, type MockBroker, type PrometheusServer, type ServiceHandle } from '@flowmesh/lib';
import { sampleEnriched, testKafka } from '@flowmesh/lib/testing';
import { flowMetricsOptions, runFlowMetrics } from '../src/index.js';

const codec = RecordCodec.local('EnrichedFlow');
const TOPIC = 'fm-test.flows';
const PAIRS = 20;
const MAX_PAIRS = 5;

let broker: MockBroker;
let prometheus: PrometheusServer;
let service: ServiceHandle;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const scalar = async (promql: string) => (await prometheus.query(promql))[0]?.value ?? null;

before(async () => {
  broker = await startMockBroker();
  await broker.createTopic(TOPIC, 2);
  const producer = await createProducer(testKafka(broker.brokers), { kafkaCompression: 'none', kafkaIdempotent: false });
  const flows = Array.from({ length: PAIRS }, (_, i) => sampleEnriched({ src_port: 40_000 + i, dst_workload_name: `web-${i}`, out_bytes: 1000 + i, in_bytes: 10 }));
  await producer.producer.send({ topic: TOPIC, messages: flows.map((flow) => ({ key: `k${flow.src_port}`, value: codec.encode(flow) })) });
  await producer.producer.disconnect();

  prometheus = await startPrometheusServer({ scrapeIntervalMs: 1000, remoteWriteReceiver: true });
  const config = loadConfig(flowMetricsOptions, {
    env: {},
    flags: {
      kafkaBrokers: broker.brokers.join(','),
      inputTopic: TOPIC,
      groupId: 'fm-test',
      httpPort: 0,
      httpHost: '127.0.0.1',
      logLevel: 'fatal',
      maxPairs: MAX_PAIRS,
      remoteWriteUrl: `${prometheus.url}/api/v1/write`,
      remoteWriteIntervalMs: 500,
      sessionTimeoutMs: 6000,
    },
  });
  service = await runFlowMetrics(config, { installSignalHandlers: false });
  prometheus.setTargets('flow-metrics', [`127.0.0.1:${service.httpPort}`]);
});

after(async () => {
  await service?.shutdown('test over');
  await prometheus?.stop();
  await broker?.stop();
});

const expectedBytes = Array.from({ length: PAIRS }, (_, i) => 1000 + i + 10).reduce((a, b) => a + b, 0);

it('scraped by Prometheus: the series count stays at the cap, the overflow is counted, the totals stay exact', async () => {
  await until(() => scalar('sum(flowmesh_flow_metrics_records_total{job="flow-metrics"})'), (v) => v === PAIRS, 'every record scraped');
  assert.equal(await scalar('count(flowmesh_traffic_bytes_total{job="flow-metrics", direction="request"})'), MAX_PAIRS);
  assert.equal(await scalar('flowmesh_flow_metrics_series{job="flow-metrics"}'), MAX_PAIRS);
  assert.equal(await scalar('flowmesh_flow_metrics_overflow_total{job="flow-metrics"}'), PAIRS - (MAX_PAIRS - 1));
  assert.equal(await scalar('sum(flowmesh_traffic_bytes_total{job="flow-metrics"})'), expectedBytes);
  const other = await prometheus.query('sum by (dst_workload) (flowmesh_traffic_bytes_total{job="flow-metrics", dst_workload="other"})');
  assert.equal(other.length, 1);
});

it('remote write to the same Prometheus (its receiver on): the pushed series carry the same totals', async () => {
  // Pushed series have no job label (nobody scraped them) but their replica's instance.
  const pushed = 'flowmesh_traffic_bytes_total{job=""}';
  await until(() => scalar(`sum(${pushed})`), (v) => v === expectedBytes, 'the pushed totals');
  assert.equal(await scalar(`count(${pushed.replace('}', ', direction="request"}')})`), MAX_PAIRS);
  const instances = await prometheus.query(`count by (instance) (${pushed})`);
  assert.equal(instances.length, 1);
  assert.ok(instances[0]!.metric.instance, 'an instance label per replica');
  assert.ok((await scalar('sum(flowmesh_flow_metrics_remote_writes_total{job="flow-metrics", result="ok"})'))! >= 1);
});
