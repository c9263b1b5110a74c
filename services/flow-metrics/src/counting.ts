/**
 * Counting once: records keep both vantage points, so a conversation's numbers
 * come from one of them — the client's half (vantage SRC) when it exists, the
 * server's only when the client end has no half of its own (match not MATCHED).
 */
import type { EnrichedFlow } from '@flowmesh/lib';

export type CountedFlow = Pick<EnrichedFlow, 'vantage' | 'match'>;

/** Whether this record carries the conversation's numbers (its MATCHED server half does not). */
export function countsTraffic(flow: CountedFlow): boolean {
  return flow.vantage === 'SRC' || flow.match !== 'MATCHED';
}

/** Volume by direction: request is client → server, response server → client, whichever end reported. */
export interface DirectedVolume {
  requestBytes: number;
  responseBytes: number;
  requestPackets: number;
  responsePackets: number;
}

export function directedVolume(flow: Pick<EnrichedFlow, 'vantage' | 'out_bytes' | 'in_bytes' | 'out_pkts' | 'in_pkts'>): DirectedVolume {
  // "out" is what the reporting end sent: the client's out is the request, the server's out the response.
  return flow.vantage === 'SRC'
    ? { requestBytes: flow.out_bytes, responseBytes: flow.in_bytes, requestPackets: flow.out_pkts, responsePackets: flow.in_pkts }
    : { requestBytes: flow.in_bytes, responseBytes: flow.out_bytes, requestPackets: flow.in_pkts, responsePackets: flow.out_pkts };
}

/** The client-side latency in seconds, or null: a server's RTT is not what the client waits for. */
export function clientLatencySeconds(flow: Pick<EnrichedFlow, 'vantage' | 'latency_ms'>): number | null {
  return flow.vantage === 'SRC' && flow.latency_ms !== null ? flow.latency_ms / 1000 : null;
}
