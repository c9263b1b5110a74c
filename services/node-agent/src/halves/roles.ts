/**
 * Which end of a conversation is the client, decided by each end alone so
 * that both agents agree without talking (docs/probe.md, "Roles"):
 *
 *   TCP  the end that called connect() (SYN_SENT seen) is the client; the one
 *        that accepted (SYN_RECV seen) the server.
 *   UDP  a listener (bound to a chosen port, not connected) is the server; a
 *        socket with an automatic port is the client.
 *   else (a TCP socket already open when the probe started, a UDP socket both
 *        bound and connected) the endpoint with the lower port is the server,
 *        the lower address on a tie.
 */
import type { Vantage } from '@flowmesh/lib';
import { Flag } from '../probe/layout.js';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Roles {
  vantage: Vantage;
  client: Endpoint;
  server: Endpoint;
}

export interface RoleInput {
  protocol: 'tcp' | 'udp';
  flags: number;
  local: Endpoint;
  remote: Endpoint;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a.port !== b.port) return a.port - b.port;
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
}

/** True when the local end is the client, null when the flags do not say. */
function localIsClientByFlags(protocol: 'tcp' | 'udp', flags: number): boolean | null {
  if (protocol === 'tcp') {
    if (flags & Flag.ACTIVE_OPEN) return true;
    if (flags & Flag.PASSIVE_OPEN) return false;
    return null;
  }
  const bound = (flags & Flag.BOUND_PORT) !== 0;
  const connected = (flags & Flag.CONNECTED) !== 0;
  if (bound && !connected) return false; // a listener
  if (!bound) return true; // automatic port: whoever sent first from it
  return null;
}

export function assignRoles(input: RoleInput): Roles {
  const byFlags = localIsClientByFlags(input.protocol, input.flags);
  const localIsClient = byFlags ?? compareEndpoints(input.local, input.remote) > 0;
  return localIsClient
    ? { vantage: 'SRC', client: input.local, server: input.remote }
    : { vantage: 'DST', client: input.remote, server: input.local };
}
