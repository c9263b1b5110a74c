/**
 * The Kafka key of every flowmesh record: the client endpoint,
 * `proto|client_ip|client_port`. Both halves of a conversation share it, even
 * through Service DNAT (which rewrites the server side only), so they land in
 * the same partition and the joiner never shuffles.
 */
export function flowKey(protocol: number, clientIp: string, clientPort: number): string {
  return `${protocol}|${clientIp}|${clientPort}`;
}

/** Export windows are tumbling and aligned to wall-clock multiples of the interval. */
export function windowStart(timeMs: number, intervalMs: number): number {
  return timeMs - (timeMs % intervalMs);
}
