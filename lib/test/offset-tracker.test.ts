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
