import assert from 'node:assert/strict';
import { test } from 'node:test';
import { msUntilNextBoundary, windowEndingBefore, WindowScheduler, type WindowClock, type WindowTick } from '../src/window.js';

test('windows are aligned to wall-clock multiples of the interval', () => {
  assert.deepEqual(windowEndingBefore(1_763_700_012_345, 10_000), { start: 1_763_700_000_000, end: 1_763_700_010_000 });
  assert.deepEqual(windowEndingBefore(1_763_700_010_000, 10_000), { start: 1_763_700_000_000, end: 1_763_700_010_000 });
  assert.equal(msUntilNextBoundary(1_763_700_012_345, 10_000), 7_655);
  assert.equal(msUntilNextBoundary(1_763_700_010_000, 10_000), 10_000);
  assert.deepEqual(windowEndingBefore(61_500, 60_000), { start: 0, end: 60_000 });
});

/** A clock the test moves by hand. */
function fakeClock(start: number) {
  let now = start;
  let pending: { at: number; callback: () => void } | undefined;
  const clock: WindowClock = {
    now: () => now,
    setTimeout(callback, ms) {
      pending = { at: now + ms, callback };
      return { cancel: () => (pending = undefined) };
    },
  };
  return {
    clock,
    /** Moves to the pending timer (plus lateness) and fires it. */
    async fire(lateMs = 0) {
      const timer = pending!;
      pending = undefined;
      now = timer.at + lateMs;
      timer.callback();
      await new Promise((resolve) => setImmediate(resolve));
    },
    get nextAt() {
      return pending?.at;
    },
  };
}

test('the scheduler ticks once per boundary, and reports boundaries it missed', async () => {
  const fake = fakeClock(1_000_250);
  const ticks: WindowTick[] = [];
  const scheduler = new WindowScheduler(1000, async (tick) => {
    ticks.push(tick);
  }, fake.clock);
  scheduler.start();
  assert.equal(fake.nextAt, 1_001_000);
  await fake.fire();
  await fake.fire(5); // a little late: still the next window
  await fake.fire(2500); // stalled past two boundaries
  assert.deepEqual(ticks, [
    { window: { start: 1_000_000, end: 1_001_000 }, skipped: 0 },
    { window: { start: 1_001_000, end: 1_002_000 }, skipped: 0 },
    { window: { start: 1_004_000, end: 1_005_000 }, skipped: 2 },
  ]);
  await scheduler.stop();
  assert.equal(fake.nextAt, undefined);
});

test('a failing window is reported and the next boundary still ticks', async () => {
  const fake = fakeClock(2_000_000);
  const errors: unknown[] = [];
  let calls = 0;
  const scheduler = new WindowScheduler(
    1000,
    async () => {
      calls++;
      if (calls === 1) throw new Error('drain failed');
    },
    fake.clock,
    (error) => errors.push(error),
  );
  scheduler.start();
  await fake.fire();
  await fake.fire();
  assert.equal(calls, 2);
  assert.equal(errors.length, 1);
  await scheduler.stop();
});
