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
  /** server_ip|server_port as the reporting end saw it. */
  readonly server: string;
  readonly window: number;
  readonly interval: number;
  /** A client half that names a Service VIP (may pair with a server half naming a pod). */
  readonly dialledService: boolean;
  /** A half that may take part in the Service-NAT bridge (client half dialling a VIP, server half naming a pod). */
  readonly bridgeable: boolean;
  /** Event time at which the half is given up on: its last candidate window has closed. */
  readonly deadline: number;
  /** Arrival order within the partition, to break deadline ties. */
  readonly seq: number;
}

export function exactKey(conversation: string, server: string, window: number): string {
  return `${conversation}>${server}@${window}`;
}

export function bridgeKey(conversation: string, window: number): string {
  return `${conversation}@${window}`;
}

export function opposite(vantage: Vantage): Vantage {
  return vantage === 'SRC' ? 'DST' : 'SRC';
}
