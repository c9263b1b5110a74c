/**
 * ipfix-export without the collectors: config validation, the shipped element
 * files and docs table against the element table, message sizes and sequence
 * numbers, and the TCP session's start and end as a collector reads them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, freePort, loadConfig } from '@flowmesh/lib';
import { sampleEnriched } from '@flowmesh/lib/testing';
import { elementFile, elementsMarkdown } from '../src/element-files.js';
import { ELEMENTS, MIN_MESSAGE_BYTES, MessagePacker, RecordWriter, buildTemplates, ipfixExportCommand, ipfixExportOptions, maxRecordBytes } from '../src/index.js';
import { TcpCollector } from '../src/collectors/tcp-collector.js';
import type { CollectorEvents } from '../src/collectors/collector.js';
import { until } from './helpers/collectors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(ROOT + path, 'utf8');

it('rejects bad collectors and settings at start, every problem at once', () => {
  const config = loadConfig(ipfixExportOptions, { env: {}, flags: { kafkaBrokers: 'localhost:9092', collector: ['udp://ok:4739', 'http://nope', 'tcp://host:99999'], tcpBackoffInitialMs: 5000, tcpBackoffMaxMs: 100 } });
  const problems = ipfixExportCommand.validate!(config);
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems.join('\n'), /http:\/\/nope/);
  assert.match(problems.join('\n'), /port must be 1-65535/);
  assert.match(problems.join('\n'), /--tcp-backoff-max-ms/);
  assert.throws(() => loadConfig(ipfixExportOptions, { env: {}, flags: { kafkaBrokers: 'k:9092', collector: 'udp://c', mtu: MIN_MESSAGE_BYTES - 1 } }), ConfigError);
  assert.equal(loadConfig(ipfixExportOptions, { env: {}, flags: { kafkaBrokers: 'k:9092', collector: 'udp://c' } }).httpPort, 9405);
});

it('the element files in deploy/ipfix and the table in docs/ipfix.md are generated from the element table', () => {
  assert.equal(read('deploy/ipfix/flowmesh-elements.csv'), elementFile('csv', 32473));
  assert.equal(read('deploy/ipfix/flowmesh-elements.xml'), elementFile('xml', 32473));
  assert.equal(read('deploy/ipfix/pmacct-primitives.lst'), elementFile('pmacct', 32473));
  const doc = read('docs/ipfix.md');
  const table = doc.slice(doc.indexOf('-->\n', doc.indexOf('<!-- element table')) + 4, doc.indexOf('<!-- end of element table -->'));
  assert.equal(table, elementsMarkdown(), 'regenerate the table with elementsMarkdown()');
  const ids = ELEMENTS.filter((e) => e.scope === 'enterprise').map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'enterprise ids are unique');
  assert.ok(!ids.includes(1) && !ids.includes(2), 'ids 1 and 2 stay free (nfacctd would take them for reverse counts)');
  assert.ok(ELEMENTS.some((e) => e.source === 'src_zone') && ELEMENTS.some((e) => e.source === 'dst_zone'), 'zones are exported');
});

it('packs records into messages under the limit with sequence numbers counting data records', () => {
  const templates = buildTemplates(32473);
  const writer = new RecordWriter(templates, maxRecordBytes(MIN_MESSAGE_BYTES));
  const packer = new MessagePacker({ observationDomainId: 9, maxMessageBytes: MIN_MESSAGE_BYTES, templates, now: () => 1_700_000_000_999 });
  const records = Array.from({ length: 50 }, (_, i) => writer.encode(sampleEnriched({ src_port: i, src_process_cmdline: 'x'.repeat(i * 40), ...(i % 2 ? { src_addr: 'fd00::1', dst_addr: 'fd00::2' } : {}) })));
  assert.ok(records.every((r) => r.bytes.length <= maxRecordBytes(MIN_MESSAGE_BYTES)));
  let refreshes = 0;
  const messages = packer.pack(records, () => refreshes++ % 10 === 0);
  let sequence = 0;
  for (const { bytes, records: count } of messages) {
    assert.ok(bytes.length <= MIN_MESSAGE_BYTES);
    assert.equal(bytes.readUInt16BE(0), 10);
    assert.equal(bytes.readUInt16BE(2), bytes.length);
    assert.equal(bytes.readUInt32BE(4), 1_700_000_000);
    assert.equal(bytes.readUInt32BE(8), sequence, 'sequence = data records before this message');
    assert.equal(bytes.readUInt32BE(12), 9);
    sequence += count;
  }
  assert.equal(sequence, records.length);
  assert.ok(messages.filter((m) => m.records === 0).length >= 2, 'templates went in front when due');
});

it('a TCP session starts with the templates and ends by withdrawing them', async () => {
  const port = await freePort();
  const received: Buffer[] = [];
  const server = createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const templates = buildTemplates(32473);
  const writer = new RecordWriter(templates, maxRecordBytes(1400));
  const events: CollectorEvents = { messageSent() {}, templatesSent() {}, sendError() {}, connected() {}, disconnected() {}, replayed() {} };
  const collector = new TcpCollector(
    { transport: 'tcp', host: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}` },
    new MessagePacker({ observationDomainId: 1, maxMessageBytes: 1400, templates }),
    events,
    { backoffInitialMs: 50, backoffMaxMs: 200, connectTimeoutMs: 2000, replayBytes: 0 },
  );
  try {
    await collector.send([writer.encode(sampleEnriched())]);
    await collector.close();
    await until(() => Buffer.concat(received).length > 0 && received.length > 0, 'bytes at the collector');
    const stream = Buffer.concat(received);
    const messages: Buffer[] = [];
    for (let pos = 0; pos < stream.length; pos += stream.readUInt16BE(pos + 2)) messages.push(stream.subarray(pos, pos + stream.readUInt16BE(pos + 2)));
    assert.equal(messages[0]!.readUInt16BE(16), 2, 'first set: templates');
    const last = messages.at(-1)!;
    assert.equal(last.readUInt16BE(16), 2, 'last set: a template set');
    assert.deepEqual([last.readUInt16BE(20), last.readUInt16BE(22), last.readUInt16BE(24), last.readUInt16BE(26)], [256, 0, 257, 0], 'both templates withdrawn (no fields)');
  } finally {
    server.close();
  }
});
