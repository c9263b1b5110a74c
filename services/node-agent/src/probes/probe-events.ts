/** What the probe process tells the agent (over the fork IPC channel); the agent turns it into metrics. */
import type { DnsTestResult } from './dns-probe.js';
import type { PeerSelection, ProbeTarget } from './peers.js';
import type { TcpTestResult } from './tcp-probe.js';
import type { UdpTestResult } from './udp-probe.js';

export interface Endpoints {
  source: { node: string; zone: string };
  destination: ProbeTarget;
}

export type ProbeEvent =
  | ({ type: 'udp'; result: UdpTestResult } & Endpoints)
  | ({ type: 'tcp'; result: TcpTestResult } & Endpoints)
  | { type: 'dns'; source: { node: string; zone: string }; resolver: string; name: string; result: DnsTestResult }
  | { type: 'peers'; selection: PeerSelection }
  | { type: 'round'; durationMs: number }
  | { type: 'ready' }
  | { type: 'failed'; message: string };

/** What the agent tells the probe process. */
export type ProbeCommand = { type: 'stop' };
