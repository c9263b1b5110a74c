/** A half waiting for its peer, with what the join needs to find it again. */
import type { FlowHalf, InputRef, Vantage } from '@flowmesh/lib';

export interface PendingHalf {
  readonly half: FlowHalf;
  readonly ref: InputRef;
  /** Kafka key to produce the output with (the input's key). */
  readonly key: Buffer | string | null;
  readonly vantage: Vantage;
  /** proto|client_ip|client_port, plus the node for loopback conversations. */
  readonly conversation: string;
  /** The exact conversation in its own window: both halves of a pair have the same one. */
  readonly exactKey: string;
  /** The conversation's client endpoint in its own window, for halves that may pair across Service DNAT; else null. */
  readonly bridgeKey: string | null;
  readonly window: number;
  readonly interval: number;
  /** A client half that names a Service VIP (may pair with a server half naming a pod). */
  readonly dialledService: boolean;
  /** Event time at which the half is given up on: its last candidate window has closed. */
  readonly deadline: number;
  /** Arrival order within the partition, to break deadline ties. */
  readonly seq: number;
}

export function exactKey(conversation: string, half: FlowHalf, window: number): string {
  return `${conversation}>${half.server_ip}|${half.server_port}@${window}`;
}

export function bridgeKey(conversation: string, window: number): string {
  return `${conversation}@${window}`;
}

export function opposite(vantage: Vantage): Vantage {
  return vantage === 'SRC' ? 'DST' : 'SRC';
}

export function sameServer(a: FlowHalf, b: FlowHalf): boolean {
  return a.server_ip === b.server_ip && a.server_port === b.server_port;
}
