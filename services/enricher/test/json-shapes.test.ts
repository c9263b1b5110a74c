import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEnriched } from '@flowmesh/lib/testing';
import { toEcs } from '../src/output/json/ecs.js';
import { toFlatJson } from '../src/output/json/flat.js';
import { encodeJson, JSON_SHAPE_NAMES } from '../src/output/json/json-shapes.js';
import { toOcsf } from '../src/output/json/ocsf.js';

// The server's half: it sent 48 kB and received 1.2 kB.
const serverHalf = sampleEnriched({ vantage: 'DST', out_bytes: 48_000, in_bytes: 1200, out_pkts: 35, in_pkts: 9, reporter_node: 'node-b' });
const external = sampleEnriched({
  dst_addr: '203.0.113.80', dst_object_type: 'external', dst_object_name: null, dst_object_namespace: null,
  dst_workload_name: null, dst_workload_kind: null, dst_workload_namespace: null, dst_labels: {},
  dst_geo_country: 'NL', dst_geo_city: 'Amsterdam', dst_asn: 64500, dst_asn_org: 'Example Transit',
});

test('flat JSON is the Avro record field for field', () => {
  const flow = sampleEnriched();
  assert.deepEqual(toFlatJson(flow), flow);
  assert.deepEqual(JSON.parse(encodeJson('flat', flow).toString()), flow);
});

test('ECS: source/destination counted client→server whoever reported; process and orchestrator of the reporting end', () => {
  const doc = toEcs(serverHalf) as any;
  assert.equal(doc['@timestamp'], new Date(serverHalf.timestamp).toISOString());
  assert.deepEqual(doc.source, { address: '10.244.1.7', ip: '10.244.1.7', port: 43512, bytes: 1200, packets: 9 });
  assert.deepEqual(doc.destination, { address: '10.244.2.9', ip: '10.244.2.9', port: 8080, bytes: 48_000, packets: 35 });
  assert.deepEqual(doc.network, {
    transport: 'tcp', iana_number: '6', type: 'ipv4', bytes: 49_200, packets: 44, direction: 'ingress',
    // Wireshark's value for this tuple (see community-id.test.ts).
    community_id: '1:jYS6WfY++GNiZlb6CEC+bWEi7N4=',
  });
  assert.deepEqual(doc.process, { pid: 77, name: 'nginx' });
  assert.deepEqual(doc.flowmesh.src.process, { pid: 4242, name: 'curl' });
  assert.equal(doc.host.name, 'node-b');
  assert.deepEqual(doc.orchestrator, {
    type: 'kubernetes', cluster: { id: 'demo' }, namespace: 'default',
    resource: { type: 'pod', name: 'web-5c6b', parent: { type: 'deployment' } },
  });
  assert.deepEqual(doc.event.category, ['network']);
  assert.deepEqual(doc.event.type, ['connection', 'start']);
  assert.equal(doc.flowmesh.src.workload.name, 'client');
  assert.equal(doc.kubernetes.pod.name, 'web-5c6b');
  assert.deepEqual(doc.flowmesh.dst.labels, { app: 'web' });
  assert.equal(doc.flowmesh.dst.service.name, 'web');
});

test('ECS geo and AS of an external end', () => {
  const doc = toEcs(external) as any;
  assert.deepEqual(doc.destination.geo, { country_iso_code: 'NL', city_name: 'Amsterdam' });
  assert.deepEqual(doc.destination.as, { number: 64500, organization: { name: 'Example Transit' } });
  assert.equal(doc.source.geo, undefined, 'empty objects are left out');
});

test('OCSF Network Activity 4001', () => {
  const doc = toOcsf(serverHalf) as any;
  assert.equal(doc.class_uid, 4001);
  assert.equal(doc.category_uid, 4);
  assert.equal(doc.activity_id, 1, 'opened in the window: Open');
  assert.equal(doc.type_uid, 400101);
  assert.equal(doc.severity_id, 1);
  assert.equal(doc.time, serverHalf.window_end);
  assert.deepEqual(doc.traffic, { bytes_out: 1200, packets_out: 9, bytes_in: 48_000, packets_in: 35, bytes: 49_200, packets: 44 });
  assert.deepEqual(doc.connection_info, {
    protocol_num: 6, protocol_name: 'tcp', protocol_ver_id: 4, direction_id: 3, direction: 'Lateral', community_uid: '1:jYS6WfY++GNiZlb6CEC+bWEi7N4=',
  });
  assert.equal(doc.src_endpoint.ip, '10.244.1.7');
  assert.equal(doc.src_endpoint.name, 'client-7d9f');
  assert.equal(doc.dst_endpoint.port, 8080);
  assert.deepEqual(doc.actor.process, { pid: 4242, name: 'curl', container: { name: 'client', orchestrator: 'kubernetes' } }, 'the client, on the server\'s record too');
  assert.equal(doc.device.hostname, 'node-b');
  assert.equal(doc.metadata.version, '1.4.0');
  assert.equal(doc.unmapped.flowmesh.dst.workload.kind, 'Deployment');

  const out = toOcsf({ ...external, opened: false, closed: false }) as any;
  assert.equal(out.activity_id, 6, 'neither opened nor closed: Traffic');
  assert.equal(out.connection_info.direction_id, 2, 'pod → external: outbound');
  assert.deepEqual(out.dst_endpoint.location, { country: 'NL', city: 'Amsterdam' });
  assert.deepEqual(out.dst_endpoint.autonomous_system, { number: 64500, name: 'Example Transit' });
});

test('every shape encodes to one JSON document', () => {
  for (const shape of JSON_SHAPE_NAMES) assert.equal(typeof JSON.parse(encodeJson(shape, sampleEnriched()).toString()), 'object');
});

// A DNS conversation answered with NXDOMAIN, and a TLS connection that was refused.
const dnsFlow = sampleEnriched({
  protocol: 17, dst_port: 53, connection_outcome: null, tls_server_name: null,
  dns_query_name: 'api.example.com', dns_query_type: 28, dns_response_code: 3, dns_latency_ms: 1.5, dns_answers: [],
});
const answered = sampleEnriched({ dns_query_name: 'web.example.com', dns_query_type: 1, dns_response_code: 0, dns_answers: ['203.0.113.7', '203.0.113.8'] });
const refused = sampleEnriched({ connection_outcome: 'REFUSED', tls_server_name: 'shop.example.com' });

test('ECS: event.outcome from the connection outcome, tls.client.server_name, dns.question/response_code/resolved_ip', () => {
  const ok = toEcs(sampleEnriched()) as any;
  assert.equal(ok.event.outcome, 'success');
  assert.equal(ok.tls.client.server_name, 'web.default.svc');
  assert.equal(ok.dns, undefined);
  const failed = toEcs(refused) as any;
  assert.equal(failed.event.outcome, 'failure');
  assert.equal(failed.tls.client.server_name, 'shop.example.com');
  const dns = toEcs(dnsFlow) as any;
  assert.equal(dns.event.outcome, undefined, 'no outcome for UDP');
  assert.equal(dns.tls, undefined);
  assert.deepEqual(dns.dns, { type: 'answer', question: { name: 'api.example.com', type: 'AAAA' }, response_code: 'NXDOMAIN' });
  assert.deepEqual((toEcs(answered) as any).dns.resolved_ip, ['203.0.113.7', '203.0.113.8']);
  assert.equal((toEcs(answered) as any).dns.response_code, 'NOERROR');
});

test('OCSF: status from the connection outcome; SNI and dns_query under unmapped.flowmesh', () => {
  assert.deepEqual([(toOcsf(sampleEnriched()) as any).status_id, (toOcsf(sampleEnriched()) as any).status], [1, 'Success']);
  assert.deepEqual([(toOcsf(refused) as any).status_id, (toOcsf(refused) as any).status], [2, 'Failure']);
  const dns = toOcsf(dnsFlow) as any;
  assert.equal(dns.status_id, undefined);
  assert.equal(dns.dns_query, undefined, 'Network Activity has no dns_query');
  assert.deepEqual(dns.unmapped.flowmesh.dns_query, { hostname: 'api.example.com', type: 'AAAA' });
  assert.equal(dns.unmapped.flowmesh.dns_rcode, 'NXDOMAIN');
  assert.equal((toOcsf(refused) as any).unmapped.flowmesh.tls_sni, 'shop.example.com');
});
