import type { InputRef, JoinedFlow, Match } from '@flowmesh/lib';
import { wholeHalf } from './join-half.js';
import { joinedFlow } from './joined-flow.js';
import { heldBytes, type PendingHalf } from './pending-half.js';

/**
 * One output record and the input offset it completes. It keeps the join's
 * outcome (the half, its match, its peer) rather than a built JoinedFlow: the
 * hot path writes bytes straight from the halves (JoinedFlowWriter), and the
 * object is built only when someone asks for `record`.
 */
export class Emission {
  private built: JoinedFlow | undefined;
  /**
   * The key and the bodies of the half and its peer as they were when the
   * record was made: a half kept on as context afterwards lets its key go,
   * and its body may be held in another form by then (see hold).
   */
  private readonly emittedKey: Buffer | string | null;
  readonly body: Buffer | string;
  readonly peerBody: Buffer | string | null;

  constructor(
    /** The half this record is for. */
    readonly entry: PendingHalf,
    readonly match: Match,
    /** The matched half of the other end; null unless MATCHED. */
    readonly peer: PendingHalf | null,
  ) {
    this.emittedKey = entry.key;
    this.body = entry.body;
    this.peerBody = peer?.body ?? null;
  }

  /** Kafka key to produce with: the input's key. */
  get key(): Buffer | null {
    return this.emittedKey === null ? null : heldBytes(this.emittedKey);
  }

  /** The input offset the record completes: its half's. */
  get ref(): InputRef {
    return this.entry;
  }

  /** The output record as an object (tests, observers). */
  get record(): JoinedFlow {
    this.built ??= joinedFlow(wholeHalf(heldBytes(this.body)), this.match, this.peerBody === null ? null : wholeHalf(heldBytes(this.peerBody)), this.dialledService);
    return this.built;
  }

  /** Whether the client end's half (this one or its peer) names a Service address: a client half is bridgeable exactly then. */
  get dialledService(): boolean {
    const client = this.entry.fromClient ? this.entry : this.peer;
    return client?.bridgeable ?? false;
  }
}
