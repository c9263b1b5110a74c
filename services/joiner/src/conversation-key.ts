/**
 * A conversation's identity within its partition: the client endpoint
 * (protocol, client address and port), plus the node for loopback
 * conversations (they never leave it). Every half is looked up by it, so the
 * common case, TCP or UDP over IPv4, is a number (1 + 32 + 16 bits, exact in
 * a double), which a map hashes without building and hashing text; anything
 * else is text.
 */
import type { JoinHalf } from './join-half.js';

export type ConversationKey = number | string;
/** A server endpoint (address and port): a number for IPv4, text otherwise. */
export type ServerKey = number | string;

const PROTOCOL_BIT: Readonly<Record<number, number>> = { 6: 0, 17: 1 };

/** An IPv4 address and port as one number (48 bits), null when the address is not IPv4 or the port not a port. */
function ipv4Endpoint(ipv4: number | null, port: number): number | null {
  return ipv4 !== null && port >= 0 && port <= 0xffff ? ipv4 * 0x10000 + port : null;
}

/** @param clientIpv4 the client address parsed as IPv4 (parseIpv4), null when it is not one */
export function conversationKey(half: JoinHalf, clientIpv4: number | null, loopback: boolean): ConversationKey {
  if (loopback) return `${half.protocol}|${half.client_ip}|${half.client_port}|${half.node}`;
  const endpoint = ipv4Endpoint(clientIpv4, half.client_port);
  const protocolBit = PROTOCOL_BIT[half.protocol];
  if (endpoint !== null && protocolBit !== undefined) return endpoint * 2 + protocolBit;
  return `${half.protocol}|${half.client_ip}|${half.client_port}`;
}

/** @param serverIpv4 the server address parsed as IPv4 (parseIpv4), null when it is not one */
export function serverKey(half: JoinHalf, serverIpv4: number | null): ServerKey {
  return ipv4Endpoint(serverIpv4, half.server_port) ?? `${half.server_ip}|${half.server_port}`;
}
