/**
 * Export windows: tumbling, aligned to wall-clock multiples of the interval,
 * so every agent reports the same window for the same traffic. The agent
 * collects at each boundary; what happened since the previous collection is
 * the window that just ended.
 */
import { windowStart } from '@flowmesh/lib';

export interface ExportWindow {
  start: number;
  end: number;
}

/** The window that ends at the most recent boundary at or before `nowMs`. */
export function windowEndingBefore(nowMs: number, intervalMs: number): ExportWindow {
  const end = windowStart(nowMs, intervalMs);
  return { start: end - intervalMs, end };
}

/** Milliseconds until the next boundary strictly after `nowMs`. */
export function msUntilNextBoundary(nowMs: number, intervalMs: number): number {
  return windowStart(nowMs, intervalMs) + intervalMs - nowMs;
}

export interface WindowClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export const systemClock: WindowClock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface WindowTick {
  window: ExportWindow;
  /** Boundaries passed without a tick (event loop stalled): their traffic is in this window. */
  skipped: number;
}

/**
 * Calls `onWindow` once per boundary, never concurrently: a slow collection
 * delays the next tick instead of overlapping it. A failing tick is reported
 * to `onError` and the next boundary is still honoured.
 */
export class WindowScheduler {
  private timer: { cancel(): void } | undefined;
  private lastEnd: number | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly onWindow: (tick: WindowTick) => Promise<void>,
    private readonly clock: WindowClock = systemClock,
    private readonly onError: (error: unknown) => void = (error) => console.error(error),
  ) {}

  start(): void {
    this.lastEnd = windowStart(this.clock.now(), this.intervalMs);
    this.schedule();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.running = this.tick()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, msUntilNextBoundary(this.clock.now(), this.intervalMs));
  }

  private async tick(): Promise<void> {
    const window = windowEndingBefore(this.clock.now(), this.intervalMs);
    // a timer that fires a hair early (clock adjustment) has no new window yet
    if (this.lastEnd !== undefined && window.end <= this.lastEnd) return;
    const skipped = this.lastEnd === undefined ? 0 : Math.max(0, (window.end - this.lastEnd) / this.intervalMs - 1);
    this.lastEnd = window.end;
    await this.onWindow({ window, skipped });
  }
}
