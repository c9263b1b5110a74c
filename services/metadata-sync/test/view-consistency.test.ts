/**
 * After a random sequence of 1,000+ creates, updates and deletes, with watches
 * cut (cleanly, abruptly, with 410 Expired) and history compacted so informers
 * must relist, the view in Redis equals the one computed independently from
 * the final objects plus the tombstones of what was deleted.
 * Reproduce a failure with SEED=<printed seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readView, settle, startEnvironment } from './support/environment.js';
import { type Disruption, RandomCluster, type RoundKind, httpMutator, inProcessMutator, seededRandom } from './support/random-cluster.js';
import { modelView } from './support/view-model.js';

const RETENTION_MS = 3_600_000;
const ROUNDS = 45;
const OPERATIONS_PER_ROUND = 30;
const DISRUPTIONS: Disruption[] = ['none', 'end', 'destroy', 'expire', 'compact-end', 'compact-destroy'];

test('the Redis view equals the view computed from the final objects plus tombstones', { timeout: 60_000 }, async (t) => {
  const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 1e9));
  t.diagnostic(`SEED=${seed}`);
  const random = seededRandom(seed);
  const env = await startEnvironment();
  t.after(() => env.stop());

  const cluster = new RandomCluster(env.standin, random);
  const local = inProcessMutator(env.standin);
  const remote = httpMutator(env.objectApi());
  await cluster.setup(local);
  const replica = env.replica({ tombstoneRetentionMs: RETENTION_MS }).start();
  await settle(env.standin, replica);

  const seen = new Map<Disruption, number>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const kind: RoundKind = random() < 0.5 ? 'pods' : 'deps';
    // Every fifth round goes through the real client over HTTP; the others write in-process so a
    // round's changes land between two reads of the informers' sockets.
    const overHttp = round % 5 === 4;
    const disruption = overHttp ? 'none' : DISRUPTIONS[Math.floor(random() * DISRUPTIONS.length)]!;
    seen.set(disruption, (seen.get(disruption) ?? 0) + 1);
    await cluster.round(kind, disruption, OPERATIONS_PER_ROUND, overHttp ? remote : local, () => settle(env.standin, replica));
  }
  t.diagnostic(`mutations=${cluster.mutations} tombstones=${cluster.tombstones.length} disruptions=${JSON.stringify(Object.fromEntries(seen))}`);
  assert.ok(cluster.mutations >= 1000, `only ${cluster.mutations} mutations`);
  const restarts = await replica.metrics.watchRestarts.get();
  const relists = await replica.metrics.relists.get();
  assert.ok(restarts.values.reduce((sum, v) => sum + v.value, 0) > 0, 'watches were restarted');
  assert.ok(relists.values.reduce((sum, v) => sum + v.value, 0) > 0, 'informers relisted');

  const actual = await readView(env.redis);
  // Deletion times are when the sync learnt of a deletion: check each lies within its round, then use it.
  const tombstones = cluster.tombstones.map(({ model, earliest, latest }) => {
    const { record } = model;
    const id = model.type === 'pod' || model.type === 'svc' ? `${record['namespace']}/${record['name']}` : record['name'];
    const stored = (actual.get(`${model.type}:${id}`)?.value as { uid: string; deletedAt: number | null }[] | undefined)?.find((r) => r.uid === record['uid']);
    assert.ok(stored, `tombstone of ${model.type} ${id} (${record['uid']}) is missing`);
    assert.ok(stored.deletedAt !== null && stored.deletedAt >= earliest && stored.deletedAt <= latest, `${model.type} ${id}: deletedAt ${stored.deletedAt} outside [${earliest}, ${latest}]`);
    return { ...model, record: { ...record, deletedAt: stored.deletedAt } };
  });
  const expected = modelView([...cluster.liveRecords(), ...tombstones], RETENTION_MS);

  const problems: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(key);
    const got = actual.get(key);
    try {
      assert.deepEqual(got, want);
    } catch {
      problems.push(`${key}\n    expected ${JSON.stringify(want)}\n    actual   ${JSON.stringify(got)}`);
    }
  }
  assert.equal(problems.length, 0, `${problems.length} of ${expected.size} keys differ (SEED=${seed}):\n  ${problems.slice(0, 8).join('\n  ')}`);
  t.diagnostic(`keys=${expected.size}`);
});
