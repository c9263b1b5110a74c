/**
 * Community ID flow hashing, version 1 (the Corelight specification that Zeek,
 * Suricata, Wireshark and Elastic's `network.community_id` use): SHA-1 over
 * seed, both addresses, protocol, a zero pad byte and both ports, in network
 * byte order, with the endpoints ordered so both directions hash alike.
 * ICMP type/code mapping is not implemented: flowmesh records carry TCP and UDP.
 */
import { createHash } from 'node:crypto';
import { parseIpv4, parseIpv6 } from '@flowmesh/lib';

/** Protocols whose flow tuple includes ports (TCP, UDP, SCTP). */
const PORTED = new Set([6, 17, 132]);

/** Address bytes in network byte order (4 for IPv4, 16 for IPv6); throws on text that is neither. */
export function addressBytes(ip: string): Buffer {
  const v4 = parseIpv4(ip);
  if (v4 !== null) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(v4);
    return out;
  }
  const groups = parseIpv6(ip);
  if (groups === null) throw new Error(`not an IP address: ${ip}`);
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(group, i * 2));
  return out;
}

export interface FlowTuple {
  protocol: number;
  srcAddr: string;
  dstAddr: string;
  /** Ignored for protocols without ports. */
  srcPort: number | null;
  dstPort: number | null;
}

/** The `1:<base64 SHA-1>` Community ID of a flow tuple. */
export function communityId(tuple: FlowTuple, seed = 0): string {
  let a = addressBytes(tuple.srcAddr);
  let b = addressBytes(tuple.dstAddr);
  const ported = PORTED.has(tuple.protocol) && tuple.srcPort !== null && tuple.dstPort !== null;
  let portA = ported ? tuple.srcPort! : 0;
  let portB = ported ? tuple.dstPort! : 0;
  // The smaller (address, port) goes first, so a flow and its reply share one id.
  const order = Buffer.compare(a, b);
  if (order > 0 || (order === 0 && portA > portB)) {
    [a, b] = [b, a];
    [portA, portB] = [portB, portA];
  }
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed);
  const middle = Buffer.from([tuple.protocol, 0]);
  const parts = [head, a, b, middle];
  if (ported) {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(portA, 0);
    ports.writeUInt16BE(portB, 2);
    parts.push(ports);
  }
  return `1:${createHash('sha1').update(Buffer.concat(parts)).digest('base64')}`;
}
