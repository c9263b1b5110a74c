/**
 * Builds the one output record of a half: its own measurements unchanged, the
 * client (src) and server (dst) ends with whatever process context is known
 * for each, and the Service address when the client dialled one.
 */
import type { Endpoint, FlowHalf, JoinedFlow, Match } from '@flowmesh/lib';

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

/**
 * @param peer the matched half of the other end, or null (PEER_MISSING, EXTERNAL)
 * @param dialledService whether the client end's half names a Service address as its server
 */
export function joinedFlow(half: FlowHalf, match: Match, peer: FlowHalf | null, dialledService: boolean): JoinedFlow {
  const clientHalf = half.vantage === 'SRC' ? half : peer;
  const serverHalf = half.vantage === 'DST' ? half : peer;
  // The server's own view names the pod; without it, the address the client dialled is all there is.
  const serverAddress = serverHalf ?? half;
  const service = dialledService && clientHalf ? clientHalf : null;
  return {
    half,
    match,
    src: endpoint(half.client_ip, half.client_port, clientHalf),
    dst: endpoint(serverAddress.server_ip, serverAddress.server_port, serverHalf),
    service_ip: service?.server_ip ?? null,
    service_port: service?.server_port ?? null,
  };
}
