/**
 * Builds the one output record of a half: its own measurements unchanged, the
 * client (src) and server (dst) ends with whatever process context is known
 * for each, and the Service address when the client dialled one.
 */
import type { Endpoint, FlowHalf, JoinedFlow, Match } from '@flowmesh/lib';

/** Who stands at each end of a half's output record (JoinedFlowWriter places them the same way, on bytes). */
interface JoinedEnds {
  /** What the client reported, when known: its process context goes into `src`. */
  client: FlowHalf | null;
  /** What the server reported, when known: its process context goes into `dst`. */
  server: FlowHalf | null;
  /** The client's half when the client dialled a Service address (service_ip/port come from it). */
  serviceHalf: FlowHalf | null;
}

/**
 * @param peer the matched other end, or null (PEER_MISSING, EXTERNAL)
 * @param dialledService whether the client end's half names a Service address as its server
 */
function joinedEnds(own: FlowHalf, peer: FlowHalf | null, dialledService: boolean): JoinedEnds {
  const client = own.vantage === 'SRC' ? own : peer;
  const server = own.vantage === 'DST' ? own : peer;
  return { client, server, serviceHalf: dialledService ? client : null };
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
  const ends = joinedEnds(half, peer, dialledService);
  // The server's address: as the server saw itself (the pod) when it reported, else as dialled.
  const serverAddress = ends.server ?? half;
  return {
    half,
    match,
    src: endpoint(half.client_ip, half.client_port, ends.client),
    dst: endpoint(serverAddress.server_ip, serverAddress.server_port, ends.server),
    service_ip: ends.serviceHalf?.server_ip ?? null,
    service_port: ends.serviceHalf?.server_port ?? null,
  };
}
