/** What a member remembers of the partitions it gave up, and when it trusts it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandoverMemory } from '../src/handover-memory.js';

/** Offsets in [from, to) the memory says this member produced. */
const produced = (memory: HandoverMemory, from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).filter((o) => memory.producedBefore(0, o));

test('a partition that comes back with a commit inside what was read withholds all but the unproduced offsets', () => {
  const memory = new HandoverMemory();
  memory.remember(0, 10, 20, [12, 15]);
  assert.ok(memory.empty, 'nothing is withheld before the partition is back');
  assert.deepEqual(produced(memory, 0, 25), []);
  memory.resume(0, 12);
  assert.ok(!memory.empty && memory.withholds(0));
  assert.deepEqual(produced(memory, 0, 25), [10, 11, 13, 14, 16, 17, 18, 19]);
  memory.produced(0, 15); // was in flight at revocation, acknowledged since
  assert.ok(memory.producedBefore(0, 15));
  memory.committed(0, 19);
  assert.ok(memory.withholds(0), 'offset 19 can still be re-read');
  memory.committed(0, 20);
  assert.ok(memory.empty && !memory.withholds(0), 'dropped once the commit passes what was read');
});

test('an unknown commit, one below what was read (offsets reset) or one past it: nothing is withheld', () => {
  for (const committed of [null, 9, 20, 25]) {
    const memory = new HandoverMemory();
    memory.remember(0, 10, 20, []);
    memory.resume(0, committed);
    assert.ok(memory.empty && !memory.withholds(0), String(committed));
    assert.deepEqual(produced(memory, 0, 25), [], String(committed));
  }
});

test('leaving again before the re-read is through keeps what lies beyond it', () => {
  const memory = new HandoverMemory();
  memory.remember(0, 10, 20, [17]);
  memory.resume(0, 12);
  memory.remember(0, 12, 15, [13]); // re-read 12-14 (13 waiting again), then revoked
  memory.resume(0, 13);
  assert.deepEqual(produced(memory, 0, 25), [10, 11, 12, 14, 15, 16, 18, 19]);
});

test('a memory whose partition stays away is let go after ten minutes', () => {
  let now = 0;
  const memory = new HandoverMemory(() => now);
  memory.remember(0, 10, 20, []);
  now = 9 * 60_000;
  memory.remember(1, 0, 5, []);
  assert.ok(memory.holding);
  now = 11 * 60_000;
  memory.remember(2, 0, 5, []);
  memory.resume(0, 12);
  assert.ok(!memory.withholds(0), 'partition 0 was forgotten');
  memory.resume(1, 2);
  assert.ok(memory.withholds(1), 'partition 1 is still remembered');
});
