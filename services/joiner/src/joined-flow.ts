/**
 * Builds the one output record of a half: its own measurements unchanged, the
 * client (src) and server (dst) ends with whatever process context is known
 * for each, and the Service address when the client dialled one.
 */
import type { Endpoint, FlowHalf, JoinedFlow, Match } from '@flowmesh/lib';

/** Anything that carries (the join fields of) a half, such as a PendingHalf. */
export interface HasHalf {
  readonly half: Pick<FlowHalf, 'vantage' | 'server_ip' | 'server_port'>;
}

/** Who stands at each end of a half's output record; shared by the object and the byte writers. */
export interface JoinedEnds<T extends HasHalf> {
  /** What the client reported, when known: its process context goes into `src`. */
  client: T | null;
  /** What the server reported, when known: its process context goes into `dst`. */
  server: T | null;
  /** The server's address: as the server saw itself (the pod) when it reported, else as dialled. */
  dstIp: string;
  dstPort: number;
  /** The client's half when the client dialled a Service address (service_ip/port come from it). */
  serviceHalf: T['half'] | null;
}

/**
 * @param peer the matched other end, or null (PEER_MISSING, EXTERNAL)
 * @param dialledService whether the client end's half names a Service address as its server
 */
export function joinedEnds<T extends HasHalf>(own: T, peer: T | null, dialledService: boolean): JoinedEnds<T> {
  const client = own.half.vantage === 'SRC' ? own : peer;
  const server = own.half.vantage === 'DST' ? own : peer;
  const serverAddress = (server ?? own).half;
  return {
    client,
    server,
    dstIp: serverAddress.server_ip,
    dstPort: serverAddress.server_port,
    serviceHalf: dialledService ? (client?.half ?? null) : null,
  };
}

function endpoint(ip: string, port: number, reporter: FlowHalf | null): Endpoint {
  return {
    ip,
    port,
    node: reporter?.node ?? null,
    pid: reporter?.pid ?? null,
    process_name: reporter?.process_name ?? null,
    cmdline: reporter?.cmdline ?? null,
    container_id: reporter?.container_id ?? null,
  };
}

export function joinedFlow(half: FlowHalf, match: Match, peer: FlowHalf | null, dialledService: boolean): JoinedFlow {
  const ends = joinedEnds<{ half: FlowHalf }>({ half }, peer && { half: peer }, dialledService);
  return {
    half,
    match,
    src: endpoint(half.client_ip, half.client_port, ends.client?.half ?? null),
    dst: endpoint(ends.dstIp, ends.dstPort, ends.server?.half ?? null),
    service_ip: ends.serviceHalf?.server_ip ?? null,
    service_port: ends.serviceHalf?.server_port ?? null,
  };
}
