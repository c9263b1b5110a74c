/**
 * Known enriched flows go through Kafka and the real ipfix-export service, and
 * are checked as the real collectors from Debian decode them: tshark's IPFIX
 * dissector on a capture of what was sent, nfcapd + nfdump, pmacct's nfacctd
 * with the shipped primitives file. Then a TCP collector goes away for 10 s
 * mid-stream, and the MTU is set to its minimum.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMockBroker, type EnrichedFlow, type MockBroker } from '@flowmesh/lib';
import { sampleEnriched, testKafka } from '@flowmesh/lib/testing';
import { ELEMENTS, MIN_MESSAGE_BYTES } from '../src/index.js';
import { pmacctName } from '../src/element-files.js';
import { capturedUdpPayloadSizes, startCapture, startNfacctd, startNfcapd, tsharkFlows, TcpToNfcapd, until, type NfdumpFlow, type TsharkFlow } from './helpers/collectors.js';
import { produceFlows, startExporter, untilCommitted } from './helpers/exporter.js';

const PRIMITIVES = fileURLToPath(new URL('../../../deploy/ipfix/pmacct-primitives.lst', import.meta.url));
const START = 1_796_000_000_250;

let broker: MockBroker;
let dir: string;
before(async () => {
  broker = await startMockBroker();
  dir = mkdtempSync(join(tmpdir(), 'ipfix-export-test-'));
});
after(async () => {
  await broker?.stop();
  if (!process.env.IPFIX_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
});

/** IPv4 and IPv6, both vantages, TCP and UDP, joined and not. */
function knownFlows(): EnrichedFlow[] {
  return [
    sampleEnriched({ src_port: 40001, timestamp: START, window_end: START + 10_000, out_bytes: 1200, in_bytes: 48_000, out_pkts: 9, in_pkts: 35, src_process_cmdline: 'curl -s http://web/', src_zone: 'eu-west-1a', dst_zone: 'eu-west-1b' }),
    sampleEnriched({ src_port: 40002, vantage: 'DST', timestamp: START, window_end: START + 10_000, out_bytes: 777, in_bytes: 3_333, out_pkts: 7, in_pkts: 33, latency_ms: 1.5 }),
    sampleEnriched({
      src_port: 40003, protocol: 17, src_addr: 'fd00:10:244::7', dst_addr: 'fd00:10:244::9', dst_port: 53, match: 'PEER_MISSING', enrichment: 'PARTIAL',
      timestamp: START + 10_000, window_end: START + 20_000, out_bytes: 80, in_bytes: 160, out_pkts: 1, in_pkts: 2, latency_ms: null, retransmits: null,
      dst_object_name: 'coredns-5d78c9869d-x2x9v', dst_workload_name: 'coredns', dst_object_namespace: 'kube-system', dst_labels: { 'k8s-app': 'kube-dns', tier: 'control' },
    }),
    sampleEnriched({ src_port: 40004, vantage: 'DST', src_addr: '2001:db8::1', dst_addr: 'fd00:10:244::9', timestamp: START, window_end: START + 10_000, out_bytes: 5_000_000_000, in_bytes: 12, out_pkts: 4_000_000, in_pkts: 1, src_object_type: 'external', src_asn: 64_500 }),
  ];
}

/** Bytes and packets client→server and server→client: what the reporting end sent or received. */
function directions(flow: EnrichedFlow) {
  const src = flow.vantage === 'SRC';
  return {
    bytes: src ? flow.out_bytes : flow.in_bytes,
    packets: src ? flow.out_pkts : flow.in_pkts,
    reverseBytes: src ? flow.in_bytes : flow.out_bytes,
    reversePackets: src ? flow.in_pkts : flow.out_pkts,
  };
}

const enterpriseId = (name: string) => ELEMENTS.find((e) => e.name === name && e.scope === 'enterprise')!.id;
const text = (flow: TsharkFlow, name: string) => flow.enterprise.get(enterpriseId(name))?.toString('utf8') ?? '';
const number = (flow: TsharkFlow, name: string) => flow.enterprise.get(enterpriseId(name))!.readUIntBE(0, flow.enterprise.get(enterpriseId(name))!.length);
const first = (flow: TsharkFlow, field: string) => flow.fields.get(field)?.[0] ?? '';
const tsharkTime = (value: string) => Date.parse(value.replace(/(\.\d{3})\d*/, '$1'));

it('tshark, nfdump and nfacctd decode the exported flows with their counts, times and Kubernetes fields (IPv4 and IPv6)', { timeout: 240_000 }, async () => {
  const flows = knownFlows();
  const [capturePort, nfcapdPort, nfacctdPort] = [await freePort(), await freePort(), await freePort()];
  const capture = join(dir, 'decode.pcapng');
  const tshark = await startCapture(capture, `udp port ${capturePort}`);
  const nfcapd = await startNfcapd(mkdtempSync(join(dir, 'nfcapd-')), nfcapdPort);
  const pmacctPrimitives = ['flowmesh_cluster_id', 'flowmesh_vantage', 'flowmesh_match', 'flowmesh_source_object_name', 'flowmesh_destination_workload_name', 'flowmesh_source_zone', 'flowmesh_destination_zone', 'flowmesh_source_process_id', 'flowmesh_destination_labels', 'flowmesh_service_name'];
  const nfacctd = await startNfacctd(mkdtempSync(join(dir, 'nfacctd-')), nfacctdPort, PRIMITIVES, ['src_host', 'dst_host', 'src_port', 'dst_port', 'proto', ...pmacctPrimitives]);
  const topic = 'ipfix.decode.in';
  await broker.createTopic(topic, 2);
  const kafka = testKafka(broker.brokers);
  await produceFlows(kafka, topic, flows);
  const collectors = [capturePort, nfcapdPort, nfacctdPort].map((port) => `udp://127.0.0.1:${port}`);
  const { handle, groupId } = await startExporter(broker, topic, { collector: collectors, observationDomainId: 4242 });
  let nfdumpFlows: NfdumpFlow[];
  try {
    await untilCommitted(kafka, groupId, topic);
    await until(() => nfacctd.records().length >= flows.length, 'nfacctd to print every flow', 30_000);
  } finally {
    await handle.shutdown('test done');
    await tshark.stop();
    nfdumpFlows = await nfcapd.stopAndRead();
  }
  const printed = nfacctd.records();
  await nfacctd.stop();

  // tshark: the capture of what went out, through its CFLOW/IPFIX dissector.
  const decoded = tsharkFlows(capture, `udp.port==${capturePort},cflow`);
  assert.doesNotMatch(decoded.text, /Malformed|Expert Info \(Warn/, 'tshark finds nothing malformed');
  assert.match(decoded.text, /Observation Domain Id: 4242/);
  assert.match(decoded.text, /PEN: Example Enterprise Number for Documentation Use \(32473\)/);
  assert.equal(decoded.flows.length, flows.length, 'every flow once');
  for (const flow of flows) {
    const seen = decoded.flows.find((f) => first(f, 'SrcPort') === String(flow.src_port));
    assert.ok(seen, `flow ${flow.src_port} in the capture`);
    const d = directions(flow);
    assert.equal(first(seen, 'SrcAddr'), flow.src_addr);
    assert.equal(first(seen, 'DstAddr'), flow.dst_addr);
    assert.equal(first(seen, 'DstPort'), String(flow.dst_port));
    assert.match(first(seen, 'Protocol'), new RegExp(`\\(${flow.protocol}\\)$`));
    assert.deepEqual(seen.fields.get('Octets'), [String(d.bytes), `${d.reverseBytes} (Reverse Type 1 BYTES)`]);
    assert.deepEqual(seen.fields.get('Packets'), [String(d.packets), `${d.reversePackets} (Reverse Type 2 PKTS)`]);
    assert.equal(tsharkTime(first(seen, 'StartTime')), flow.timestamp);
    assert.equal(tsharkTime(first(seen, 'EndTime')), flow.window_end);
    assert.match(first(seen, 'Direction'), flow.vantage === 'SRC' ? /Egress/ : /Ingress/);
    assert.equal(first(seen, 'SrcAS'), String(flow.src_asn ?? 0));
    // Every enterprise element as the flow has it (tshark leaves out empty strings).
    for (const element of ELEMENTS.filter((e) => e.scope === 'enterprise')) {
      const expected = element.value(flow);
      if (element.type === 'string') assert.equal(seen.enterprise.get(element.id)?.toString('utf8') ?? '', expected, `${element.name} of ${flow.src_port}`);
      else assert.equal(seen.enterprise.get(element.id)!.readUIntBE(0, seen.enterprise.get(element.id)!.length), expected, `${element.name} of ${flow.src_port}`);
    }
  }
  // A few spelled out, so a wrong accessor in the element table cannot pass unnoticed.
  const [v4, v4dst, v6udp] = flows.map((flow) => decoded.flows.find((f) => first(f, 'SrcPort') === String(flow.src_port))!);
  assert.equal(text(v4!, 'flowmeshSourceZone'), 'eu-west-1a');
  assert.equal(text(v4!, 'flowmeshDestinationZone'), 'eu-west-1b');
  assert.equal(text(v4!, 'flowmeshSourceObjectName'), 'client-7d9f');
  assert.equal(text(v4!, 'flowmeshSourceProcessCmdline'), 'curl -s http://web/');
  assert.equal(number(v4!, 'flowmeshSourceProcessId'), 4242);
  assert.equal(text(v4!, 'flowmeshServiceName'), 'web');
  assert.equal(text(v4dst!, 'flowmeshVantage'), 'DST');
  assert.equal(number(v4dst!, 'flowmeshLatencyMicroseconds'), 1500);
  assert.equal(text(v6udp!, 'flowmeshMatch'), 'PEER_MISSING');
  assert.equal(text(v6udp!, 'flowmeshEnrichment'), 'PARTIAL');
  assert.equal(text(v6udp!, 'flowmeshDestinationLabels'), 'k8s-app=kube-dns,tier=control');
  assert.equal(text(v6udp!, 'flowmeshDestinationWorkloadKind'), 'Deployment');

  // nfdump: the same flows with the same counts and times.
  assert.equal(nfdumpFlows.length, flows.length, 'nfdump lists every flow once');
  for (const flow of flows) {
    const listed = nfdumpFlows.find((f) => f.srcPort === flow.src_port);
    assert.ok(listed, `nfdump lists ${flow.src_port}`);
    const d = directions(flow);
    assert.deepEqual(
      { src: listed.srcAddr, dst: listed.dstAddr, dstPort: listed.dstPort, proto: listed.proto, packets: listed.packets, bytes: listed.bytes, outPackets: listed.outPackets, outBytes: listed.outBytes },
      { src: flow.src_addr, dst: flow.dst_addr, dstPort: flow.dst_port, proto: String(flow.protocol), packets: d.packets, bytes: d.bytes, outPackets: d.reversePackets, outBytes: d.reverseBytes },
    );
    assert.equal(listed.start, flow.timestamp);
    assert.equal(listed.end, flow.window_end);
  }

  // nfacctd: the custom fields, from the shipped primitives file.
  for (const flow of flows) {
    const row = printed.find((r) => r.port_src === flow.src_port);
    assert.ok(row, `nfacctd printed ${flow.src_port}`);
    assert.equal(row.ip_src, flow.src_addr);
    assert.equal(row.ip_dst, flow.dst_addr);
    assert.equal(row.bytes, directions(flow).bytes);
    assert.equal(row.packets, directions(flow).packets);
    assert.equal(row.flowmesh_cluster_id, flow.cluster_id);
    assert.equal(row.flowmesh_vantage, flow.vantage);
    assert.equal(row.flowmesh_match, flow.match);
    assert.equal(row.flowmesh_source_object_name, flow.src_object_name);
    assert.equal(row.flowmesh_destination_workload_name, flow.dst_workload_name);
    assert.equal(row.flowmesh_source_zone, flow.src_zone);
    assert.equal(row.flowmesh_destination_zone, flow.dst_zone);
    assert.equal(row.flowmesh_source_process_id, String(flow.src_process_pid));
    assert.equal(row.flowmesh_service_name, flow.service_name);
  }
  assert.equal(printed.find((r) => r.port_src === 40003)!.flowmesh_destination_labels, 'k8s-app=kube-dns,tier=control');
  assert.ok(pmacctPrimitives.every((name) => ELEMENTS.some((e) => pmacctName(e) === name)), 'the primitives named here are in the shipped file');
});

it('a TCP collector that goes away for 10 s mid-stream gets every record after it comes back, templates first', { timeout: 300_000 }, async () => {
  const [tcpPort, nfcapdPort] = [await freePort(), await freePort()];
  const nfcapd = await startNfcapd(mkdtempSync(join(dir, 'nfcapd-tcp-')), nfcapdPort);
  const collector = new TcpToNfcapd(tcpPort, nfcapdPort);
  await collector.start();
  const topic = 'ipfix.tcp.in';
  await broker.createTopic(topic, 4);
  const kafka = testKafka(broker.brokers);
  const flow = (i: number) => sampleEnriched({ src_port: 10_000 + i, timestamp: START, window_end: START + 10_000, out_bytes: 100 + i });
  const total = 1_000;
  const { handle, groupId } = await startExporter(broker, topic, { collector: [`tcp://127.0.0.1:${tcpPort}`], tcpBackoffInitialMs: 100, tcpBackoffMaxMs: 1_000, logLevel: process.env.IPFIX_TEST_LOG ?? 'fatal' });
  let listed: NfdumpFlow[];
  try {
    await produceFlows(kafka, topic, Array.from({ length: total / 2 }, (_, i) => flow(i)));
    await until(() => collector.messages > 10, 'the first messages at the collector');
    await collector.stop();
    const stoppedAt = Date.now();
    await produceFlows(kafka, topic, Array.from({ length: total / 2 }, (_, i) => flow(total / 2 + i)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - stoppedAt))));
    await collector.start();
    await untilCommitted(kafka, groupId, topic, 120_000);
    const metrics = await handle.context.registry.metrics();
    assert.match(metrics, /flowmesh_ipfix_reconnects_total\{collector="tcp:\/\/127\.0\.0\.1:\d+"[^}]*\} [1-9]/);
  } finally {
    await handle.shutdown('test done');
    await collector.close();
    listed = await nfcapd.stopAndRead();
  }
  const ports = new Set(listed.map((f) => f.srcPort));
  const missing = Array.from({ length: total }, (_, i) => 10_000 + i).filter((port) => !ports.has(port));
  assert.deepEqual(missing, [], 'every record reached the collector');
  assert.ok(collector.firstSetIds.length >= 2, 'the exporter connected again');
  assert.deepEqual(new Set(collector.firstSetIds), new Set([2]), 'every connection starts with a template set');
});

it('with the MTU at its minimum every message stays under it and no record is split', { timeout: 240_000 }, async () => {
  const port = await freePort();
  const capture = join(dir, 'mtu.pcapng');
  const tshark = await startCapture(capture, `udp port ${port}`);
  const topic = 'ipfix.mtu.in';
  await broker.createTopic(topic, 2);
  const kafka = testKafka(broker.brokers);
  const longCmdline = `java -jar app.jar ${'--flag=value '.repeat(300)}`;
  const longUnicode = `grüße ${'ünïcødé☕ '.repeat(200)}`;
  const manyLabels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`label-${i}`, `value-${i}`]));
  const flows = Array.from({ length: 60 }, (_, i) =>
    sampleEnriched({
      src_port: 20_000 + i,
      ...(i % 2 ? { src_addr: `fd00::${i + 1}`, dst_addr: 'fd00::ffff' } : {}),
      ...(i % 3 === 0 ? { src_process_cmdline: longCmdline, dst_labels: manyLabels } : {}),
      // Non-ASCII: a short name kept whole, a long command line cut between characters.
      ...(i % 7 === 1 ? { src_object_name: 'café-☕-7d9f', src_process_cmdline: longUnicode } : {}),
    }),
  );
  await produceFlows(kafka, topic, flows);
  const { handle, groupId } = await startExporter(broker, topic, { collector: [`udp://127.0.0.1:${port}`], mtu: MIN_MESSAGE_BYTES, templateRefreshMessages: 5 });
  try {
    await untilCommitted(kafka, groupId, topic);
  } finally {
    await handle.shutdown('test done');
    await tshark.stop();
  }
  const sizes = capturedUdpPayloadSizes(capture);
  assert.ok(sizes.length > flows.length / 3, `${sizes.length} messages`);
  assert.ok(Math.max(...sizes) <= MIN_MESSAGE_BYTES, `largest message ${Math.max(...sizes)} bytes, limit ${MIN_MESSAGE_BYTES}`);
  const decoded = tsharkFlows(capture, `udp.port==${port},cflow`);
  assert.doesNotMatch(decoded.text, /Malformed|Expert Info \(Warn/, 'tshark finds nothing malformed');
  assert.deepEqual(decoded.flows.map((f) => Number(first(f, 'SrcPort'))).sort(), flows.map((f) => f.src_port).sort(), 'every record whole, once');
  for (const flow of flows) {
    const seen = decoded.flows.find((f) => first(f, 'SrcPort') === String(flow.src_port))!;
    assert.equal(first(seen, 'SrcAddr'), flow.src_addr);
    assert.equal(text(seen, 'flowmeshSourceObjectName'), flow.src_object_name, 'short strings are kept whole');
    const cmdline = text(seen, 'flowmeshSourceProcessCmdline');
    for (const long of [longCmdline, longUnicode]) {
      if (flow.src_process_cmdline === long) {
        assert.ok(cmdline.length > 0 && cmdline.length < long.length && long.startsWith(cmdline), 'a long command line is cut, from its end, between characters');
      }
    }
  }
});
