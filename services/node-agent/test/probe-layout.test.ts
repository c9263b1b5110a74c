/**
 * The TypeScript decoder and bpf/flowprobe.h must agree byte for byte: compile
 * bpf/layout.c (needs only a C compiler) and compare what it prints with the
 * decoder's tables. Then decode hand-built records.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { C_CONSTANTS, DRAIN_END_FIELDS, FLOW_FIELDS, Flag, HELLO_FIELDS, Kind, RECORD_SIZE, ABI_VERSION } from '../src/probe/layout.js';
import { RecordSplitter, decodeRecord, flowIdentity } from '../src/probe/records.js';
import { ipv6FromBytes } from '../src/probe/ip-bytes.js';

const BPF_DIR = fileURLToPath(new URL('../../../bpf/', import.meta.url));

interface CLayout {
  record_size: number;
  abi_version: number;
  flow: { size: number; fields: Record<string, [number, number]> };
  hello: { size: number; fields: Record<string, [number, number]> };
  drain_end: { size: number; fields: Record<string, [number, number]> };
  constants: Record<string, number>;
}

function compileLayout(): CLayout | string {
  try {
    execFileSync('make', ['-s', '-C', BPF_DIR, 'layout'], { stdio: 'pipe' });
    return JSON.parse(execFileSync(`${BPF_DIR}.output/flowprobe-layout`, { encoding: 'utf8' })) as CLayout;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message;
    return `cannot build bpf/layout.c (needs make and a C compiler with linux headers): ${stderr.trim()}`;
  }
}

const layout = compileLayout();
const skip = typeof layout === 'string' ? layout : false;

test('the decoder tables match the C struct layout', { skip }, () => {
  const c = layout as CLayout;
  assert.equal(c.record_size, RECORD_SIZE);
  assert.equal(c.abi_version, ABI_VERSION);
  for (const [name, table, ours] of [
    ['flow', c.flow, FLOW_FIELDS],
    ['hello', c.hello, HELLO_FIELDS],
    ['drain_end', c.drain_end, DRAIN_END_FIELDS],
  ] as const) {
    assert.equal(table.size, RECORD_SIZE, `sizeof(struct flowprobe_${name})`);
    assert.deepEqual(ours, table.fields, `fields of struct flowprobe_${name}`);
  }
  assert.deepEqual(C_CONSTANTS, c.constants);
});

function flowRecord(fields: { kind: number; flags: number; family: number; laddr: number[]; raddr: number[]; comm: string }): Buffer {
  const b = Buffer.alloc(RECORD_SIZE);
  b.writeUInt32LE(fields.kind, FLOW_FIELDS.kind[0]);
  b.writeUInt32LE(fields.flags, FLOW_FIELDS.flags[0]);
  b.writeBigUInt64LE(77n, FLOW_FIELDS.id[0]);
  Buffer.from(fields.laddr).copy(b, FLOW_FIELDS['t.laddr'][0]);
  Buffer.from(fields.raddr).copy(b, FLOW_FIELDS['t.raddr'][0]);
  b.writeUInt16LE(fields.family, FLOW_FIELDS['t.family'][0]);
  b.writeUInt16LE(43512, FLOW_FIELDS['t.lport'][0]);
  b.writeUInt16LE(80, FLOW_FIELDS['t.rport'][0]);
  b.writeUInt32LE(4026531840, FLOW_FIELDS.netns_ino[0]);
  b.writeUInt32LE(4242, FLOW_FIELDS.pid[0]);
  b.writeUInt32LE(4243, FLOW_FIELDS.tid[0]);
  b.writeUInt32LE(412, FLOW_FIELDS.srtt_us[0]);
  b.write(fields.comm, FLOW_FIELDS.comm[0]);
  b.writeBigUInt64LE(123456789012n, FLOW_FIELDS.bytes_sent[0]);
  b.writeBigUInt64LE(5n, FLOW_FIELDS.bytes_received[0]);
  b.writeBigUInt64LE(9n, FLOW_FIELDS.packets_sent[0]);
  b.writeBigUInt64LE(7n, FLOW_FIELDS.packets_received[0]);
  b.writeUInt32LE(3, FLOW_FIELDS.retransmits[0]);
  return b;
}

test('decodes IPv4 and IPv6 flow records', () => {
  const v4 = decodeRecord(flowRecord({ kind: Kind.TCP, flags: Flag.ACTIVE_OPEN, family: 2, laddr: [10, 244, 1, 7], raddr: [10, 96, 0, 20], comm: 'curl' }));
  assert.equal(v4.type, 'flow');
  if (v4.type !== 'flow') return;
  assert.deepEqual(
    { ...v4.flow, firstNs: undefined, lastNs: undefined, cgroupId: undefined },
    {
      protocol: 'tcp', flags: Flag.ACTIVE_OPEN, id: 77, family: 4, localIp: '10.244.1.7', localPort: 43512, remoteIp: '10.96.0.20', remotePort: 80,
      netnsIno: 4026531840, pid: 4242, tid: 4243, comm: 'curl', srttUs: 412, bytesSent: 123456789012, bytesReceived: 5, packetsSent: 9, packetsReceived: 7,
      retransmits: 3, tcpState: 0, firstNs: undefined, lastNs: undefined, cgroupId: undefined,
    },
  );
  assert.equal(flowIdentity(v4.flow), 'tcp/4026531840/77');

  const v6 = decodeRecord(flowRecord({ kind: Kind.UDP, flags: 0, family: 10, laddr: [0xfd, 0, ...Array(13).fill(0), 1], raddr: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 2], comm: 'a-sixteen-chars!' }));
  assert.ok(v6.type === 'flow');
  if (v6.type !== 'flow') return;
  assert.equal(v6.flow.localIp, 'fd00::1');
  assert.equal(v6.flow.remoteIp, '2001:db8::2');
  assert.equal(v6.flow.comm, 'a-sixteen-chars!'); // no NUL when the name fills the field
  assert.equal(v6.flow.protocol, 'udp');
});

test('formats IPv6 per RFC 5952', () => {
  const bytes = (groups: number[]) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
  assert.equal(ipv6FromBytes(bytes([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(ipv6FromBytes(bytes([0, 0, 0, 0, 0, 0, 0, 1])), '::1');
  assert.equal(ipv6FromBytes(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
  assert.equal(ipv6FromBytes(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), '2001:db8:0:1:1:1:1:1');
  assert.equal(ipv6FromBytes(bytes([0xfe80, 0, 0, 0, 0, 0, 0, 0])), 'fe80::');
});

test('splits a stream at record boundaries whatever the chunking', () => {
  const hello = Buffer.alloc(RECORD_SIZE);
  hello.writeUInt32LE(Kind.HELLO, 0);
  hello.writeUInt32LE(ABI_VERSION, HELLO_FIELDS.abi_version[0]);
  const end = Buffer.alloc(RECORD_SIZE);
  end.writeUInt32LE(Kind.DRAIN_END, 0);
  end.writeBigUInt64LE(2n, DRAIN_END_FIELDS.counters[0] + 8); // udp_map_full
  const flow = flowRecord({ kind: Kind.TCP, flags: 0, family: 2, laddr: [1, 2, 3, 4], raddr: [5, 6, 7, 8], comm: 'x' });
  const stream = Buffer.concat([hello, flow, end]);
  const splitter = new RecordSplitter();
  const types: string[] = [];
  for (let offset = 0; offset < stream.length; offset += 100) {
    for (const record of splitter.push(stream.subarray(offset, offset + 100))) {
      types.push(record.type);
      if (record.type === 'drain-end') assert.equal(record.end.counters.udp_map_full, 2);
    }
  }
  assert.deepEqual(types, ['hello', 'flow', 'drain-end']);
  assert.throws(() => decodeRecord(Buffer.alloc(RECORD_SIZE, 0xee)), /unknown record kind/);
});
