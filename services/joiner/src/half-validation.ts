/** Halves the join cannot place in time are rejected to the dead-letter topic, with the reason. */
import type { InputRecord } from '@flowmesh/lib';
import type { JoinHalf } from './join-half.js';

export class InvalidHalfError extends Error {
  override readonly name = 'InvalidHalfError';
  readonly retriable = false;
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Longest export window accepted: anything longer is a broken agent, not a setting. */
const MAX_WINDOW_MS = 3_600_000;

/** Why the join cannot take this record, or null when it can (then it is a JoinRecord). */
export function invalidHalf(record: InputRecord<JoinHalf>): InvalidHalfError | null {
  // The joiner's projection decodes every half with its body; only a caller that bypasses it gets here.
  if (!record.body) return new InvalidHalfError('no-body', 'decoded without its Avro body (the joiner reads halves through joinProjection)');
  const half = record.value;
  const length = half.window_end - half.window_start;
  if (!(length > 0 && length <= MAX_WINDOW_MS)) {
    return new InvalidHalfError('invalid-window', `window ${half.window_start}..${half.window_end} is not a window of 1 ms to 1 h`);
  }
  if (half.vantage !== 'SRC' && half.vantage !== 'DST') return new InvalidHalfError('invalid-vantage', `vantage ${String(half.vantage)}`);
  return null;
}
