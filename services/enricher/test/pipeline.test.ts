/**
 * The enricher as a whole service on the embedded broker: Avro out with the input
 * key, the optional JSON topic, Confluent framing that kcat decodes through a
 * schema registry.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import avro from 'avsc';
import { startMockBroker, type MockBroker } from '@flowmesh/lib';
import type { ReadMessage } from '@flowmesh/lib/testing';
import { FLOWS } from './helpers/cluster-fixture.js';
import { startHarness } from './helpers/enricher-harness.js';
import { MemorySource } from './helpers/memory-source.js';
import { startRegistryStandin } from './helpers/schema-registry-standin.js';
import { SCENARIO_NAMES, assertScenario } from './helpers/scenarios.js';

const run = promisify(execFile);
let broker: MockBroker;
before(async () => {
  broker = await startMockBroker();
});
after(async () => {
  await broker?.stop();
});

function memorySource(): MemorySource {
  return new MemorySource();
}

test('joined flows in; enriched Avro (Confluent-framed, decoded by kcat through the registry) and OCSF JSON out; keys kept', async (t) => {
  const registry = await startRegistryStandin();
  const harness = await startHarness(broker, { jsonFormat: 'ocsf', schemaRegistryUrl: registry.url }, { source: memorySource(), geo: null });
  try {
    const flows = SCENARIO_NAMES.filter((name) => name !== 'reusedIpEarly').map((name) => FLOWS[name]);
    await harness.send(flows);
    const out = await harness.readOutput(flows.length);
    const json = await harness.readJson(flows.length);
    assert.equal(out.length, flows.length);
    assert.equal(json.length, flows.length);
    for (const message of json) assert.equal(JSON.parse(message.value!.toString()).class_uid, 4001);

    // Every scenario's record, decoded by our codec (through the registry), keyed by the input key.
    const byKey = new Map(await Promise.all(out.map(async (m) => [m.key?.toString(), await harness.decode(m)] as const)));
    SCENARIO_NAMES.forEach((name) => {
      if (name === 'reusedIpEarly') return; // shares its key with reusedIpLate; both are checked in enrich.test.ts
      const flow = FLOWS[name];
      assertScenario(name, byKey.get(`${flow.half.protocol}|${flow.src.ip}|${flow.src.port}`), { cluster_id: 'test-cluster' });
    });

    // The Confluent framing, read back by kcat.
    assert.equal(out[0]!.value![0], 0, 'magic byte 0');
    assert.ok(registry.requests.includes(`POST /subjects/${harness.topics.output}-value/versions`));
    const records = (await kcatHasAvro())
      ? await kcatAvro(harness.topics.output, registry.url)
      : await kcatRawThenRegistry(t, harness.topics.output, out, registry.url);
    assert.equal(records.length, flows.length);
    const vip = records.find((r) => r.key.endsWith('|43514'))?.payload;
    assert.ok(vip, 'the Service VIP flow decoded');
    assert.equal(vip.src_addr, '10.244.1.7');
    assert.deepEqual(vip.service_name, { string: 'web' });
    assert.equal(vip.dst_object_type, 'service');
    assert.equal(vip.enrichment, 'OK');
    assert.equal(vip.cluster_id, 'test-cluster');
    assert.ok(registry.requests.some((r) => r.startsWith('GET /schemas/ids/')), 'the schema was fetched by id');
  } finally {
    await harness.stop();
    await registry.close();
  }
});

interface KcatRecord {
  key: string;
  payload: Record<string, any>;
}

async function kcatHasAvro(): Promise<boolean> {
  const { stdout, stderr } = await run('kcat', ['-V']);
  return /avro/i.test(stdout + stderr);
}

/** What an operator runs: kcat decoding through the registry (needs a kcat built with libserdes). */
async function kcatAvro(topic: string, registryUrl: string): Promise<KcatRecord[]> {
  const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-s', 'value=avro', '-r', registryUrl, '-J', '-e', '-o', 'beginning', '-q'], { timeout: 30_000 });
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as KcatRecord);
}

/**
 * Debian's kcat is built without libserdes, so `-s value=avro` is refused. Do
 * what it would do, independently of our codec: kcat fetches each message's raw
 * bytes, the 5-byte Confluent header names a schema id, the registry serves the
 * schema for that id, and a plain Avro reader decodes the body (Avro JSON, like kcat -J).
 */
async function kcatRawThenRegistry(t: { diagnostic(message: string): void }, topic: string, messages: ReadMessage[], registryUrl: string): Promise<KcatRecord[]> {
  t.diagnostic('this kcat lacks Avro/Schema-Registry support (no libserdes): checked via kcat raw reads + registry lookup');
  const records: KcatRecord[] = [];
  for (const message of messages) {
    const { stdout } = await run(
      'kcat',
      ['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(message.partition), '-o', message.offset, '-c', '1', '-e', '-q', '-f', '%s'],
      { encoding: 'buffer', timeout: 30_000 },
    );
    assert.equal(stdout.readUInt8(0), 0, 'Confluent magic byte');
    const id = stdout.readUInt32BE(1);
    const response = await fetch(`${registryUrl}/schemas/ids/${id}`);
    const { schema } = (await response.json()) as { schema: string };
    const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    records.push({ key: message.key!.toString(), payload: JSON.parse(type.toString(type.fromBuffer(stdout.subarray(5)))) as Record<string, any> });
  }
  return records;
}
