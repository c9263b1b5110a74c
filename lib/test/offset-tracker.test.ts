import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetTracker } from '../src/kafka/offset-tracker.js';

const offsets = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ offset: String(from + i) }));
const committable = (tracker: OffsetTracker) => tracker.takeCommittable().map((c) => `${c.partition}@${c.offset}`);

test('commits up to the lowest offset not done, whatever order offsets complete in', () => {
  const tracker = new OffsetTracker();
  tracker.consumed(0, offsets(10, 20));
  tracker.done(0, '10');
  tracker.done(0, '11'); // in order
  assert.deepEqual(committable(tracker), ['0@12']);
  for (const offset of ['14', '13', '19', '15']) tracker.done(0, offset); // 12 is held back
  assert.deepEqual(committable(tracker), [], 'nothing new while 12 is pending');
  assert.equal(tracker.pendingCount(), 4, '12, 16, 17, 18');
  tracker.done(0, '12');
  assert.deepEqual(committable(tracker), ['0@16']);
  for (const offset of ['16', '17', '18']) tracker.done(0, offset);
  assert.deepEqual(committable(tracker), ['0@20'], 'past the end once all are done');
  assert.equal(tracker.pendingCount(), 0);
});

test('re-delivered and unknown offsets change nothing; a long in-order stream stays compact and exact', () => {
  const tracker = new OffsetTracker();
  tracker.consumed(3, offsets(0, 10_000));
  tracker.consumed(3, offsets(5_000, 10_000)); // re-delivered
  for (let i = 0; i < 9_000; i++) tracker.done(3, String(i));
  tracker.done(3, '2'); // done twice
  assert.deepEqual(committable(tracker), ['3@9000']);
  assert.equal(tracker.pendingCount(), 1_000);
  tracker.done(3, '9999');
  for (let i = 9_000; i < 9_999; i++) tracker.done(3, String(i));
  assert.deepEqual(committable(tracker), ['3@10000']);
});

test('agrees with a plain set model on random gaps, orders and repeats', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 50; round++) {
    const tracker = new OffsetTracker();
    // Consumed offsets with gaps (compacted topics, transaction markers), some batches re-delivered.
    const consumed: number[] = [];
    for (let offset = Math.floor(random() * 100); consumed.length < 300; offset += 1 + (random() < 0.2 ? Math.floor(random() * 5) : 0)) consumed.push(offset);
    for (let i = 0; i < consumed.length; i += 50) {
      tracker.consumed(0, consumed.slice(i, i + 50).map((o) => ({ offset: String(o) })));
      if (random() < 0.3) tracker.consumed(0, consumed.slice(Math.max(0, i - 20), i + 10).map((o) => ({ offset: String(o) })));
    }
    const doneSet = new Set<number>();
    const order = [...consumed, ...consumed.slice(0, 40), 9_999_999].sort(() => random() - 0.5);
    for (const offset of order) {
      tracker.done(0, String(offset));
      if (consumed.includes(offset)) doneSet.add(offset);
      const firstPending = consumed.find((o) => !doneSet.has(o));
      const expected = firstPending ?? consumed.at(-1)! + 1;
      const [taken] = tracker.takeCommittable();
      if (taken) assert.equal(Number(taken.offset), expected, `round ${round} after ${offset}`);
      assert.equal(tracker.pendingCount(), consumed.length - doneSet.size);
    }
  }
});

test('a lost partition is released with how far it got: every offset below upTo done except notDone', () => {
  const tracker = new OffsetTracker();
  assert.equal(tracker.forget(3), null, 'nothing consumed');
  tracker.consumed(0, offsets(5, 6000)); // beyond the compaction threshold
  for (let offset = 5; offset < 6000; offset++) if (offset !== 4900 && offset !== 5998) tracker.done(0, String(offset));
  tracker.takeCommittable();
  assert.deepEqual(tracker.forget(0), { from: 5, upTo: 6000, notDone: [4900, 5998] });
  assert.equal(tracker.forget(0), null, 'forgotten');
  tracker.consumed(0, offsets(7000, 7002));
  assert.deepEqual(tracker.forget(0), { from: 7000, upTo: 7002, notDone: [7000, 7001] }, 'tracking starts afresh');
});
