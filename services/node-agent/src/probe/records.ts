/** Decodes the fixed-size records the flowprobe loader writes (layout in layout.ts). */
import { ipFromBytes } from './ip-bytes.js';
import {
  COMM_LEN,
  COUNTER_NAMES,
  DRAIN_END_FIELDS,
  FLOW_FIELDS,
  HELLO_FIELDS,
  Kind,
  RECORD_SIZE,
  type CounterName,
  type FieldTable,
} from './layout.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** One socket's (TCP) or one local-socket/peer pair's (UDP) cumulative counters. */
export interface ProbeFlow {
  protocol: 'tcp' | 'udp';
  flags: number;
  /** TCP: socket cookie; UDP: creation time of the kernel entry (64-bit values, exact below 2^53). */
  id: number;
  family: 4 | 6;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  netnsIno: number;
  /** 0 when no process has used the socket since the probe saw it. */
  pid: number;
  tid: number;
  comm: string;
  cgroupId: number;
  srttUs: number;
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
  retransmits: number;
  /** TCP state number at the last update (1 = ESTABLISHED, 7 = CLOSE, ...). */
  tcpState: number;
  /** CLOCK_MONOTONIC ns (exact for 104 days of uptime, then to the microsecond). */
  firstNs: number;
  lastNs: number;
}

export interface ProbeHello {
  abiVersion: number;
  netnsIno: number;
  features: number;
  tcpMaxEntries: number;
  udpMaxEntries: number;
  loaderPid: number;
}

export interface DrainEnd {
  records: number;
  monoNs: number;
  realtimeNs: number;
  drainNs: number;
  tcpEntries: number;
  udpEntries: number;
  tcpMaxEntries: number;
  udpMaxEntries: number;
  /** Cumulative since the probe loaded, summed over CPUs. */
  counters: Record<CounterName, number>;
}

export type ProbeRecord =
  | { type: 'flow'; flow: ProbeFlow }
  | { type: 'hello'; hello: ProbeHello }
  | { type: 'drain-end'; end: DrainEnd };

export class ProbeDecodeError extends Error {
  override name = 'ProbeDecodeError';
}

/** Field offsets as plain numbers: decoding runs once per flow per window. */
function offsets<T extends FieldTable>(fields: T): { [K in keyof T]: number } {
  return Object.fromEntries(Object.entries(fields).map(([name, [offset]]) => [name, offset])) as { [K in keyof T]: number };
}

const F = offsets(FLOW_FIELDS);
const H = offsets(HELLO_FIELDS);
const E = offsets(DRAIN_END_FIELDS);

/** Little-endian u64 as a number: exact up to 2^53 (8 PiB of bytes). */
function u64(record: Buffer, offset: number): number {
  return record.readUInt32LE(offset) + record.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

function ipAt(record: Buffer, offset: number, family: 4 | 6): string {
  return family === 4
    ? `${record[offset]}.${record[offset + 1]}.${record[offset + 2]}.${record[offset + 3]}`
    : ipFromBytes(record.subarray(offset, offset + 16), 6);
}

function decodeFlow(record: Buffer): ProbeFlow {
  const familyCode = record.readUInt16LE(F['t.family']);
  if (familyCode !== AF_INET && familyCode !== AF_INET6 && familyCode !== 0) {
    throw new ProbeDecodeError(`flow record with unknown address family ${familyCode}`);
  }
  const family: 4 | 6 = familyCode === AF_INET6 ? 6 : 4;
  const commEnd = record.indexOf(0, F.comm);
  return {
    protocol: record.readUInt32LE(F.kind) === Kind.TCP ? 'tcp' : 'udp',
    flags: record.readUInt32LE(F.flags),
    id: u64(record, F.id),
    family,
    localIp: ipAt(record, F['t.laddr'], family),
    localPort: record.readUInt16LE(F['t.lport']),
    remoteIp: ipAt(record, F['t.raddr'], family),
    remotePort: record.readUInt16LE(F['t.rport']),
    netnsIno: record.readUInt32LE(F.netns_ino),
    pid: record.readUInt32LE(F.pid),
    tid: record.readUInt32LE(F.tid),
    comm: record.toString('utf8', F.comm, commEnd >= 0 && commEnd < F.comm + COMM_LEN ? commEnd : F.comm + COMM_LEN),
    cgroupId: u64(record, F.cgroup_id),
    srttUs: record.readUInt32LE(F.srtt_us),
    bytesSent: u64(record, F.bytes_sent),
    bytesReceived: u64(record, F.bytes_received),
    packetsSent: u64(record, F.packets_sent),
    packetsReceived: u64(record, F.packets_received),
    retransmits: record.readUInt32LE(F.retransmits),
    tcpState: record.readUInt32LE(F.state),
    firstNs: u64(record, F.first_ns),
    lastNs: u64(record, F.last_ns),
  };
}

function decodeHello(record: Buffer): ProbeHello {
  return {
    abiVersion: record.readUInt32LE(H.abi_version),
    netnsIno: record.readUInt32LE(H.netns_ino),
    features: record.readUInt32LE(H.features),
    tcpMaxEntries: record.readUInt32LE(H.tcp_max_entries),
    udpMaxEntries: record.readUInt32LE(H.udp_max_entries),
    loaderPid: record.readUInt32LE(H.loader_pid),
  };
}

function decodeDrainEnd(record: Buffer): DrainEnd {
  const counters = Object.fromEntries(COUNTER_NAMES.map((name, index) => [name, u64(record, E.counters + 8 * index)])) as Record<CounterName, number>;
  return {
    records: u64(record, E.records),
    monoNs: u64(record, E.mono_ns),
    realtimeNs: u64(record, E.realtime_ns),
    drainNs: u64(record, E.drain_ns),
    tcpEntries: record.readUInt32LE(E.tcp_entries),
    udpEntries: record.readUInt32LE(E.udp_entries),
    tcpMaxEntries: record.readUInt32LE(E.tcp_max_entries),
    udpMaxEntries: record.readUInt32LE(E.udp_max_entries),
    counters,
  };
}

/** Decodes one RECORD_SIZE-byte record. */
export function decodeRecord(record: Buffer): ProbeRecord {
  if (record.length !== RECORD_SIZE) throw new ProbeDecodeError(`record of ${record.length} bytes, expected ${RECORD_SIZE}`);
  const kind = record.readUInt32LE(0);
  switch (kind) {
    case Kind.TCP:
    case Kind.UDP:
      return { type: 'flow', flow: decodeFlow(record) };
    case Kind.HELLO:
      return { type: 'hello', hello: decodeHello(record) };
    case Kind.DRAIN_END:
      return { type: 'drain-end', end: decodeDrainEnd(record) };
    default:
      throw new ProbeDecodeError(`unknown record kind 0x${kind.toString(16)}`);
  }
}

/**
 * Splits a byte stream into records, keeping a partial record for the next
 * chunk (pipes deliver arbitrary chunk sizes).
 */
export class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ProbeRecord[] {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const whole = data.length - (data.length % RECORD_SIZE);
    const records: ProbeRecord[] = [];
    for (let offset = 0; offset < whole; offset += RECORD_SIZE) {
      records.push(decodeRecord(data.subarray(offset, offset + RECORD_SIZE)));
    }
    this.pending = Buffer.from(data.subarray(whole));
    return records;
  }
}

/** Identity of the kernel entry a flow record came from: stable across drains. */
export function flowIdentity(flow: ProbeFlow): string {
  return flow.protocol === 'tcp'
    ? `tcp/${flow.netnsIno}/${flow.id}`
    : `udp/${flow.netnsIno}/${flow.id}/${flow.localPort}/${flow.remoteIp}/${flow.remotePort}`;
}
