/**
 * Tracks whether the metadata store answers, and when to try it again after it
 * did not. While it is down the enricher serves from cache instead of waiting, so
 * a Redis outage slows no partition; retries are spaced by exponential backoff
 * with jitter so a fleet of enrichers does not hammer a recovering Redis.
 */

export interface BackoffOptions {
  /** First wait after a failure, ms. @default 200 */
  initialMs: number;
  /** Longest wait between attempts, ms. @default 10000 */
  maxMs: number;
}

export type StoreState = 'up' | 'down';

export class StoreHealth {
  private state: StoreState = 'up';
  private failures = 0;
  private nextAttemptAt = 0;

  constructor(
    private readonly backoff: BackoffOptions,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
    private readonly onStateChange: (state: StoreState) => void = () => {},
  ) {}

  get current(): StoreState {
    return this.state;
  }

  /** True when a request may be sent now: the store is up, or its backoff has elapsed. */
  mayAttempt(): boolean {
    return this.state === 'up' || this.now() >= this.nextAttemptAt;
  }

  succeeded(): void {
    this.failures = 0;
    this.setState('up');
  }

  failed(): void {
    this.failures += 1;
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
    // "Equal jitter": at least half the ceiling, so retries never bunch at zero.
    this.nextAttemptAt = this.now() + ceiling / 2 + this.random() * (ceiling / 2);
    this.setState('down');
  }

  private setState(state: StoreState): void {
    if (state === this.state) return;
    this.state = state;
    this.onStateChange(state);
  }
}
