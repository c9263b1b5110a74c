/**
 * The ECS and OCSF shapes against machine-readable descriptions of the
 * standards kept in test/standards (ECS 8.11.0's fields, OCSF 1.4.0's Network
 * Activity class and objects), on a corpus of records with the common
 * Kubernetes labels, the real enricher's records included; and the corpus
 * through an emulation of Elasticsearch's dotted-key expansion.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { EnrichedFlow } from '@flowmesh/lib';
import { ECS_VERSION, toEcs } from '../src/output/json/ecs.js';
import { OCSF_VERSION, toOcsf } from '../src/output/json/ocsf.js';
import { FLOWS } from './helpers/cluster-fixture.js';
import { DottedExpansion } from './helpers/dotted-expansion.js';
import { loadEcsStandard, templateFields, validateEcs } from './helpers/ecs-validator.js';
import { testEnricher } from './helpers/enricher-setup.js';
import { MemorySource } from './helpers/memory-source.js';
import { loadOcsfStandard, validateOcsf } from './helpers/ocsf-validator.js';
import { SCENARIO_NAMES } from './helpers/scenarios.js';
import { COMMON_POD_LABELS, siemCorpus } from './helpers/siem-corpus.js';

const ecs = loadEcsStandard(ECS_VERSION);
const ocsf = loadOcsfStandard(`ocsf-${OCSF_VERSION}-network-activity.json`);
const template = JSON.parse(readFileSync(new URL('../../../deploy/elastic/flowmesh-fields.component-template.json', import.meta.url), 'utf8'));
const extension = templateFields(template);

async function corpus(): Promise<[string, EnrichedFlow][]> {
  const { enricher } = testEnricher(new MemorySource());
  const enriched = await enricher.enrich(SCENARIO_NAMES.map((name) => FLOWS[name]));
  return [...Object.entries(siemCorpus()), ...enriched.map((flow, i) => [`enricher:${SCENARIO_NAMES[i]}`, flow] as [string, EnrichedFlow])];
}

test('every ECS document is ECS 8.11 plus the template-mapped fields, with the right types and values', async () => {
  const flows = await corpus();
  assert.ok(flows.length >= 15);
  for (const [name, flow] of flows) assert.deepEqual(validateEcs(toEcs(flow), ecs, extension), [], name);
});

test('every OCSF event is a valid OCSF 1.4.0 Network Activity (4001)', async () => {
  for (const [name, flow] of await corpus()) assert.deepEqual(validateOcsf(toOcsf(flow), ocsf), [], name);
});

test('the validators reject a field outside the standard, a wrong type, a dotted label key and a value outside an enumeration', () => {
  const doc = toEcs(siemCorpus().clientHalf) as any;
  doc.source.pod_name = 'web';
  doc.network.bytes = '49200';
  doc.kubernetes.labels['app.kubernetes.io/name'] = 'web';
  doc.event.kind = 'flow';
  doc.network.direction = 'sideways';
  const problems = validateEcs(doc, ecs, extension).join('\n');
  for (const expected of ['source.pod_name: not an ECS field', 'network.bytes: "49200" is not a long', 'app.kubernetes.io/name: key with a dot', 'event.kind: "flow" is not one of', 'network.direction: "sideways"']) {
    assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
  }
  assert.match(validateEcs({ ...toEcs(siemCorpus().clientHalf), event: { category: ['network'], type: ['creation'], kind: 'event' } }, ecs, extension).join(), /creation is not expected/);

  const event = toOcsf(siemCorpus().clientHalf) as any;
  event.src_endpoint.autonomous_systems = { number: 1 };
  event.traffic.bytes = 1.5;
  event.activity_id = 8;
  event.type_name = 'Network Activity: Open!';
  delete event.metadata.profiles;
  delete event.time;
  const ocsfProblems = validateOcsf(event, ocsf).join('\n');
  for (const expected of ['src_endpoint.autonomous_systems: not an attribute', 'traffic.bytes: 1.5 is not an integer', 'activity_id: 8 is not in the enumeration', 'type_name: "Network Activity: Open!" is not the caption', 'actor: belongs to profile host', 'time: required']) {
    assert.ok(ocsfProblems.includes(expected), `${expected} in\n${ocsfProblems}`);
  }
  // A 1.1.0 event would not pass a 1.4.0 description, nor 1.4.0 attributes a 1.1.0 one.
  assert.match(validateOcsf({ ...toOcsf(siemCorpus().clientHalf), metadata: { version: '1.1.0', product: { name: 'x' } } }, ocsf).join(), /metadata.version/);
});

test("Elasticsearch's dotted-key expansion over the corpus finds no object/value conflict in either shape", async () => {
  const flows = await corpus();
  for (const [shape, encode] of [['ecs', toEcs], ['ocsf', toOcsf]] as const) {
    const index = new DottedExpansion();
    for (const [, flow] of flows) index.add(encode(flow));
    assert.deepEqual(index.conflicts, [], shape);
  }
  // The emulation does find the conflict raw label keys cause (what the ECS shape wrote before de-dotting).
  const raw = new DottedExpansion();
  raw.add({ kubernetes: { labels: { app: 'web' } } });
  raw.add({ kubernetes: { labels: { ...COMMON_POD_LABELS } } });
  assert.ok(raw.conflicts.some((conflict) => conflict.startsWith('kubernetes.labels.app: value and object')), raw.conflicts.join());
});

test('ECS: de-dotted labels, kubernetes.* of the reporting end, both ends with their process under flowmesh.*', () => {
  const { serverHalf, toInternet } = siemCorpus();
  const doc = toEcs(serverHalf) as any;
  assert.equal(doc.kubernetes.pod.name, 'web-5c6b');
  assert.equal(doc.kubernetes.pod.ip, '10.244.2.9');
  assert.equal(doc.kubernetes.namespace, 'default');
  assert.equal(doc.kubernetes.node.name, 'node-b');
  assert.equal(doc.kubernetes.deployment.name, 'web');
  assert.equal(doc.kubernetes.labels['app_kubernetes_io/name'], 'web');
  assert.equal(doc.kubernetes.labels.app, 'web');
  assert.equal(doc.kubernetes.labels['helm_sh/chart'], 'web-1.4.2');
  assert.deepEqual(doc.process, { pid: 77, name: 'nginx' }, 'process.* is the reporting end');
  assert.deepEqual(doc.flowmesh.src.process, { pid: 4242, name: 'curl', command_line: 'curl -s http://web/' }, "the peer's process is kept");
  assert.deepEqual(doc.flowmesh.dst.process, { pid: 77, name: 'nginx' });
  assert.equal(doc.flowmesh.dst.service.name, 'web');
  assert.equal(doc.flowmesh.src.zone, 'zone-a');
  assert.equal(doc.cloud.availability_zone, 'zone-b', "the reporting end's zone");
  assert.equal(doc.event.duration, 10_000_000_000, 'nanoseconds');
  assert.deepEqual(doc.related.ip, ['10.244.1.7', '10.244.2.9', '10.96.0.20']);
  assert.match(doc.network.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
  assert.equal(doc.flowmesh.counts_volume, false, 'a matched server half does not count');
  assert.equal((toEcs(siemCorpus().clientHalf) as any).flowmesh.counts_volume, true, 'a client half counts');
  assert.deepEqual((toEcs(toInternet) as any).destination.geo.location, { lat: 52.37, lon: 4.89 });
});

test('OCSF: the client is the actor whoever reported, the reporting node the device, Service in svc_name, labels as container tags', () => {
  const { serverHalf, clientHalf, serverWithoutClientAgent, openedAndClosed, midConnection } = siemCorpus();
  const server = toOcsf(serverHalf) as any;
  assert.deepEqual(server.actor.process, { pid: 4242, name: 'curl', cmd_line: 'curl -s http://web/', container: { name: 'client', orchestrator: 'kubernetes' } });
  assert.deepEqual(server.device, { hostname: 'node-b', name: 'node-b', type_id: 1, type: 'Server' });
  assert.equal(server.dst_endpoint.svc_name, 'web');
  assert.equal(server.src_endpoint.svc_name, undefined);
  assert.deepEqual(server.dst_endpoint.container.tags.find((tag: any) => tag.name === 'app.kubernetes.io/name'), { name: 'app.kubernetes.io/name', value: 'web' });
  assert.equal(server.unmapped.flowmesh.dst.workload.kind, 'Deployment');
  assert.equal(server.unmapped.flowmesh.dst.process.pid, 77, "the server's process has no OCSF attribute");
  assert.equal(server.unmapped.flowmesh.counts_volume, false);
  assert.equal((toOcsf(clientHalf) as any).actor.process.pid, 4242);
  assert.equal((toOcsf(serverWithoutClientAgent) as any).actor, undefined, 'no client agent, no actor');
  assert.equal((toOcsf(serverWithoutClientAgent) as any).unmapped.flowmesh.counts_volume, true, 'an unmatched server half counts');
  assert.equal((toOcsf(openedAndClosed) as any).activity_name, 'Close', 'opened and closed in one window: Close');
  assert.equal((toOcsf(clientHalf) as any).activity_name, 'Open');
  assert.equal((toOcsf(midConnection) as any).activity_name, 'Traffic');
  assert.equal(server.connection_info.community_uid, (toEcs(serverHalf) as any).network.community_id);
  assert.equal(server.metadata.uid, (toEcs(serverHalf) as any).event.id, 'one id in both shapes');
});

test('deploy/elastic: the template adds only non-ECS fields, the index template uses it, the pipeline keys documents by event.id', () => {
  const redefined = [...extension.fields.keys()].filter((field) => field in ecs.fields);
  assert.deepEqual(redefined, [], 'the component template leaves ECS fields to the ECS mappings');
  const read = (name: string) => JSON.parse(readFileSync(new URL(`../../../deploy/elastic/${name}`, import.meta.url), 'utf8'));
  const index = read('flowmesh-flows.index-template.json');
  assert.ok(index.composed_of.includes('flowmesh-fields'));
  const pipeline = read('flowmesh-flows.ingest-pipeline.json');
  assert.equal(index.template.settings.index.default_pipeline, 'flowmesh-flows');
  assert.deepEqual(pipeline.processors.map((p: any) => p.set && [p.set.field, p.set.copy_from]), [['_id', 'event.id']]);
});
