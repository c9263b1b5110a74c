/** A half in the join (just arrived, waiting for its peer, or kept as context), with what the join needs to find it again. */
import type { InputRef } from '@flowmesh/lib';
import type { ConversationKey, ServerKey } from './conversation-key.js';

/** Where the half was read (its InputRef: the offset its output record completes), and what the join knows of it. */
export interface PendingHalf extends InputRef {
  // What the join decides on, taken from the half's fields when it arrived. The decoded half is not
  // kept (its body has every field): a waiting half costs less memory, and a lookup reads one object.
  /** Reported by the client's node (vantage SRC), else by the server's (DST). */
  readonly fromClient: boolean;
  /** The half's export window, ms since the epoch. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The server endpoint it names (see serverKey). */
  readonly server: ServerKey;
  /**
   * Kafka key to produce the output with: the input's key, a view into the
   * fetch buffer while in flight, a latin1 string once held (see hold).
   */
  key: Buffer | string | null;
  /** The client endpoint (see conversationKey). */
  readonly conversation: ConversationKey;
  /**
   * A client half naming a Service VIP (it dialled a Service) or a server half
   * naming a pod: the two may pair across the Service's DNAT (same
   * conversation, other server).
   */
  readonly bridgeable: boolean;
  /** Where the join holds it (see HeldHalves): not yet, waiting for a peer, kept as context, let go. */
  state: 'new' | 'waiting' | 'context' | 'gone';
  /** Event time at which the half is given up on: its last candidate window has closed. */
  readonly deadline: number;
  /**
   * The half's Avro body (newest schema), which its output record and those
   * of halves pairing with it are spliced from. A view into the fetch buffer
   * while the half is in flight; held as a latin1 string once it waits (see hold).
   */
  body: Buffer | string;
}

/**
 * Detaches a waiting half's key and body from the fetch buffer (else one
 * waiting half pins the whole fetch). A one-byte string holds bytes exactly
 * (latin1 maps byte to char) in its own small heap object; a Buffer copy
 * would come from Node's shared 8 KiB pool, and one long-waiting half would
 * keep a whole slab of short-lived buffers alive.
 */
export function hold(entry: PendingHalf): void {
  if (entry.key !== null && typeof entry.key !== 'string') entry.key = entry.key.toString('latin1');
  if (typeof entry.body !== 'string') entry.body = entry.body.toString('latin1');
}

/**
 * Keeps a half that has left (its record is out) as context for others: its
 * body is what a borrower's record is spliced from; its key is let go.
 */
export function holdAsContext(entry: PendingHalf): void {
  entry.key = null;
  hold(entry);
}

/** The bytes of a key or body, whether still a view or held as a latin1 string. */
export function heldBytes(bytes: Buffer | string): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
}

/** The length of the half's export window, ms. */
export function windowLength(entry: PendingHalf): number {
  return entry.windowEnd - entry.windowStart;
}
