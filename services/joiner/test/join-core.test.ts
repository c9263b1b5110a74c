/** The join core case by case: each rule of docs/joiner.md with a hand-written example. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FlowHalf, JoinedFlow } from '@flowmesh/lib';
import { sampleHalf } from '@flowmesh/lib/testing';
import { JoinCore } from '../src/join-core.js';
import { halfBody, type JoinRecord } from '../src/join-half.js';
import { DEFAULT_JOIN_SETTINGS, type JoinSettings } from '../src/join-settings.js';

const W = 10_000;
const T0 = 1_763_700_000_000;
/** Late enough that nothing looks like it comes from the future. */
const NOW = T0 + 3_600_000;

/** A client pod's half dialling the Service 10.96.0.20:80. */
const client = (window: number, overrides: Partial<FlowHalf> = {}): FlowHalf =>
  sampleHalf({ vantage: 'SRC', node: 'node-a', window_start: T0 + window * W, window_end: T0 + (window + 1) * W, ...overrides });
/** The server pod's half of the same conversation: it saw its own address 10.244.2.9:8080. */
const server = (window: number, overrides: Partial<FlowHalf> = {}): FlowHalf =>
  client(window, { vantage: 'DST', node: 'node-b', server_ip: '10.244.2.9', server_port: 8080, pid: 77, process_name: 'nginx', cmdline: 'nginx: worker process', container_id: null, ...overrides });
/** Any other conversation in the partition, to move the watermark. */
const other = (window: number) => client(window, { client_port: 1, server_ip: '10.244.9.9' });

class Harness {
  readonly core: JoinCore;
  private readonly offsets = new Map<number, number>();
  readonly out: JoinedFlow[] = [];

  constructor(settings: Partial<JoinSettings> = {}) {
    this.core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, ...settings });
  }

  feed(halves: FlowHalf[], { partition = 0, now = NOW } = {}): JoinedFlow[] {
    const records: JoinRecord[] = halves.map((value) => {
      const offset = this.offsets.get(partition) ?? 0;
      this.offsets.set(partition, offset + 1);
      return { partition, offset: String(offset), key: Buffer.from('6|10.244.1.7|43512'), value, body: halfBody(value) };
    });
    return this.collect(this.core.accept(records, now).map((e) => e.record));
  }

  redeliver(offset: number, half: FlowHalf, partition = 0): JoinedFlow[] {
    return this.collect(this.core.accept([{ partition, offset: String(offset), key: null, value: half, body: halfBody(half) }], NOW).map((e) => e.record));
  }

  collect(records: JoinedFlow[]): JoinedFlow[] {
    this.out.push(...records);
    return records;
  }

  of(half: FlowHalf): JoinedFlow {
    const found = this.out.filter((r) => isDeepStrictEqual(r.half, half));
    assert.equal(found.length, 1, `one record for the ${half.vantage} half of window ${(half.window_start - T0) / W}`);
    return found[0]!;
  }
}

describe('pairing', () => {
  test('a Service-NAT pair: both records carry both ends, the pod as dst and the VIP as service', () => {
    const h = new Harness();
    const c = client(0);
    const s = server(0);
    assert.deepEqual(h.feed([c]), []);
    assert.equal(h.feed([s]).length, 2);
    const expectedEnds = {
      src: { ip: '10.244.1.7', port: 43512, node: 'node-a', pid: 4242, process_name: 'curl', cmdline: c.cmdline, container_id: c.container_id },
      dst: { ip: '10.244.2.9', port: 8080, node: 'node-b', pid: 77, process_name: 'nginx', cmdline: 'nginx: worker process', container_id: null },
      service_ip: '10.96.0.20',
      service_port: 80,
    };
    assert.deepEqual(h.of(c), { half: c, match: 'MATCHED', ...expectedEnds });
    assert.deepEqual(h.of(s), { half: s, match: 'MATCHED', ...expectedEnds });
  });

  test('a direct pod-to-pod pair matches on the exact conversation, without service fields', () => {
    const h = new Harness();
    const c = client(0, { server_ip: '10.244.2.9', server_port: 8080 });
    const s = server(0);
    h.feed([s, c]);
    assert.equal(h.of(c).match, 'MATCHED');
    assert.deepEqual([h.of(c).service_ip, h.of(s).service_port], [null, null]);
  });

  test('no bridge when the client did not dial a Service address', () => {
    const h = new Harness();
    const c = client(0, { server_ip: '10.244.7.7' }); // a pod, not a VIP: a different conversation
    h.feed([c, server(0)]);
    h.collect(h.core.drain().map((e) => e.record));
    assert.equal(h.of(c).match, 'PEER_MISSING');
  });

  test('a duplicated half: one copy pairs, the other is PEER_MISSING', () => {
    const h = new Harness();
    const c = client(0);
    const copy = { ...c, pid: c.pid + 1 }; // the same conversation and window, told apart by a field the join does not read
    h.feed([c, copy, server(0)]);
    h.collect(h.core.drain().map((e) => e.record));
    assert.deepEqual([h.of(c).match, h.of(copy).match], ['MATCHED', 'PEER_MISSING']);
  });

  test('loopback conversations pair only on their own node', () => {
    const h = new Harness();
    const loop = (vantage: 'SRC' | 'DST', node: string, pid: number) =>
      client(0, { vantage, node, pid, client_ip: '127.0.0.1', client_port: 40000, server_ip: '127.0.0.1', server_port: 8080 });
    const [aClient, bServer, aServer] = [loop('SRC', 'node-a', 1), loop('DST', 'node-b', 2), loop('DST', 'node-a', 3)];
    h.feed([aClient, bServer, aServer]);
    h.collect(h.core.drain().map((e) => e.record));
    assert.equal(h.of(aClient).dst.pid, 3);
    assert.equal(h.of(bServer).match, 'PEER_MISSING');
  });

  test('EXTERNAL peers leave at once, whichever end is inside', () => {
    const h = new Harness();
    const toInternet = client(0, { server_ip: '93.184.216.34', server_port: 443 });
    const fromInternet = server(0, { client_ip: '203.0.113.9', client_port: 50000 });
    const [out, inn] = h.feed([toInternet, fromInternet]);
    assert.equal(h.core.pending, 0);
    assert.deepEqual(out, {
      half: toInternet,
      match: 'EXTERNAL',
      src: { ip: '10.244.1.7', port: 43512, node: 'node-a', pid: 4242, process_name: 'curl', cmdline: toInternet.cmdline, container_id: toInternet.container_id },
      dst: { ip: '93.184.216.34', port: 443, node: null, pid: null, process_name: null, cmdline: null, container_id: null },
      service_ip: null,
      service_port: null,
    });
    assert.deepEqual(inn?.src, { ip: '203.0.113.9', port: 50000, node: null, pid: null, process_name: null, cmdline: null, container_id: null });
    assert.equal(inn?.dst.process_name, 'nginx');
  });
});

describe('windows, skew and lateness', () => {
  test('skewed halves pair across neighbouring windows, at the deadline', () => {
    const h = new Harness({ skewWindows: 1, graceMs: 5_000 });
    const c = client(0);
    const s = server(1);
    h.feed([c, s]);
    assert.equal(h.out.length, 0, 'neighbours wait for the exact peer first');
    h.feed([other(1)]); // watermark 20 s: window 0's deadline is 10 s + 1 window + 5 s = 25 s
    assert.equal(h.out.length, 0);
    h.feed([other(2)]); // watermark 30 s
    assert.deepEqual([h.of(c).match, h.of(s).match], ['MATCHED', 'MATCHED']);
  });

  test('beyond the tolerance: both PEER_MISSING', () => {
    const h = new Harness({ skewWindows: 1 });
    const c = client(0);
    const s = server(2);
    h.feed([c, s, other(8)]);
    assert.deepEqual([h.of(c).match, h.of(s).match], ['PEER_MISSING', 'PEER_MISSING']);
  });

  test('between two neighbours, a half pairs with the older (released first); the other borrows its context', () => {
    const h = new Harness({ skewWindows: 1, graceMs: 30_000 });
    const c = client(5, { pid: 501 });
    const before = server(4, { pid: 401 });
    const after = server(6, { pid: 601 });
    h.feed([after, before, c, other(20)]);
    assert.equal(h.of(c).match, 'MATCHED');
    assert.equal(h.of(c).dst.pid, 401, 'paired with the older neighbour');
    assert.equal(h.of(before).src.pid, 501);
    // The client's half already left MATCHED: the later server half borrows it, and is MATCHED too.
    assert.equal(h.of(after).match, 'MATCHED');
    assert.equal(h.of(after).src.pid, 501);
    assert.equal(h.of(after).service_ip, '10.96.0.20', 'the client half it borrowed dialled the Service');
    assert.equal(h.core.stats.borrowed, 1);
  });

  test('the exact window wins over a neighbour that arrived first; the neighbour borrows the pair\'s context', () => {
    const h = new Harness({ skewWindows: 1 });
    const [c0, c1, s1] = [client(0, { pid: 10 }), client(1, { pid: 11 }), server(1)];
    h.feed([c0, s1, c1, other(9)]);
    assert.deepEqual([h.of(c0).match, h.of(c1).match, h.of(s1).match], ['MATCHED', 'MATCHED', 'MATCHED']);
    assert.equal(h.of(s1).src.pid, 11, 'the server half is paired with the client half of its own window');
    assert.equal(h.of(c0).dst.pid, 77, 'the client half of window 0 borrowed the server half of window 1');
    assert.equal(h.of(c0).dst.ip, '10.244.2.9', 'and with it the pod behind the Service');
  });

  test('without a skew tolerance nothing is borrowed', () => {
    const h = new Harness({ skewWindows: 0 });
    const [c0, c1, s1] = [client(0), client(1), server(1)];
    h.feed([c0, s1, c1, other(9)]);
    assert.deepEqual([h.of(c0).match, h.of(c1).match, h.of(s1).match], ['PEER_MISSING', 'MATCHED', 'MATCHED']);
  });

  test('a borrowed half is forgotten once no half that could borrow it is left', () => {
    const h = new Harness({ skewWindows: 1, graceMs: 0 });
    const [c1, s1] = [client(1), server(1)];
    h.feed([c1, s1]);
    assert.equal(h.core.view()[0]!.context, 2, 'the pair is kept as context');
    h.feed([other(3), other(4)]); // watermark at the end of window 4: past window 1's deadline + 1 window
    assert.equal(h.core.view()[0]!.context, 0);
    const late = client(2, { pid: 12 });
    h.feed([late]); // after its own deadline: released at once, and the server half of window 1 is gone
    assert.equal(h.of(late).match, 'PEER_MISSING');
  });

  test('a half later than the grace period still pairs with a peer that is waiting', () => {
    const h = new Harness({ skewWindows: 1, graceMs: 2_000 });
    const c = client(0);
    h.feed([c, other(1)]); // window 0 closed (end 1 + 2 s < end of window 1 = watermark? no: 10 s + 2 s <= 20 s)
    const s = server(0);
    h.feed([s]);
    assert.equal(h.core.stats.late, 1);
    assert.equal(h.of(s).match, 'MATCHED');
  });

  test('a half whose peer already left as PEER_MISSING leaves as PEER_MISSING at once', () => {
    const h = new Harness({ skewWindows: 0, graceMs: 2_000 });
    const c = client(0);
    h.feed([c, other(5)]);
    assert.equal(h.of(c).match, 'PEER_MISSING');
    const s = server(0);
    assert.equal(h.feed([s]).length, 1, 'emitted at once, not held');
    assert.equal(h.of(s).match, 'PEER_MISSING');
    assert.equal(h.core.stats.late, 1);
  });

  test('a half from a clock far ahead does not close everyone else\'s windows', () => {
    const h = new Harness({ maxClockAheadMs: 60_000 });
    const c = client(0);
    h.feed([c], { now: T0 + W });
    h.feed([other(1000)], { now: T0 + W });
    assert.equal(h.core.stats.clockAhead, 1);
    assert.equal(h.core.pending, 2);
    h.feed([server(0)], { now: T0 + W });
    assert.equal(h.of(c).match, 'MATCHED');
  });
});

describe('wall clock, memory and ownership', () => {
  test('an idle partition releases what it holds; a busy one does not', () => {
    const h = new Harness({ idleTimeoutMs: 30_000 });
    const quiet = client(0);
    const busy = client(0, { client_port: 2 });
    h.feed([quiet], { partition: 0, now: NOW });
    h.feed([busy], { partition: 1, now: NOW });
    h.collect(h.core.tick(NOW + 29_999).map((e) => e.record));
    assert.equal(h.out.length, 0);
    h.feed([other(0)], { partition: 1, now: NOW + 20_000 });
    h.collect(h.core.tick(NOW + 30_000).map((e) => e.record));
    assert.equal(h.of(quiet).match, 'PEER_MISSING');
    assert.equal(h.out.length, 1);
    assert.equal(h.core.stats.idleReleased, 1);
  });

  test('the cap evicts from the partition holding the most, oldest deadline first', () => {
    const h = new Harness({ maxPending: 3, graceMs: 60_000 });
    const small = client(0, { client_port: 1 });
    h.feed([small], { partition: 0 });
    const big = [client(0, { client_port: 2 }), client(1, { client_port: 3 }), client(2, { client_port: 4 })];
    h.feed(big, { partition: 1 });
    assert.equal(h.core.pending, 3);
    assert.equal(h.core.stats.evicted, 1);
    assert.equal(h.of(big[0]!).match, 'PEER_MISSING');
    assert.equal(h.out.length, 1);
  });

  test('halves kept as context are capped member-wide, like the pending ones', () => {
    const h = new Harness({ maxPending: 5 });
    for (let partition = 0; partition < 3; partition++) {
      for (let port = 1; port <= 4; port++) h.feed([client(0, { client_port: port }), server(0, { client_port: port })], { partition });
    }
    assert.equal(h.out.filter((r) => r.match === 'MATCHED').length, 24, 'every pair matched');
    const kept = h.core.view().reduce((sum, p) => sum + p.context, 0);
    assert.equal(kept, 5);
  });

  test('halves let go under the cap are not kept alive by the join', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, maxPending: 10, graceMs: 60_000 });
    // Unpaired halves of one window: they share a deadline, so none leaves by event time.
    const records: JoinRecord[] = Array.from({ length: 2_000 }, (_, i) => {
      const half = client(0, { client_port: 1 + i });
      return { partition: 0, offset: String(i), key: null, value: half, body: halfBody(half) };
    });
    const evicted = core.accept(records, NOW).map((e) => new WeakRef(e.entry));
    assert.equal(evicted.length, 1_990);
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets live until the job ends
    gc();
    // The last one evicted waits at the head of its queue until the queue is asked again.
    assert.ok(evicted.filter((ref) => ref.deref() !== undefined).length <= 1, 'evicted halves still reachable');
    assert.equal(core.pending, 10);
  });

  test('a revoked partition is forgotten without output; if it comes back, it starts afresh', () => {
    const h = new Harness();
    const c = client(0);
    h.feed([c], { partition: 3 });
    h.core.revoke([3]);
    assert.equal(h.core.pending, 0);
    assert.equal(h.core.stats.handedOver, 1);
    assert.deepEqual(h.core.drain(), []);
    // The same offsets again, now as the new owner would read them.
    const again = h.redeliver(0, c, 3);
    assert.deepEqual(again, []);
    assert.equal(h.core.pending, 1);
  });

  test('records re-delivered to the member that handled them are skipped', () => {
    const h = new Harness();
    const c = client(0);
    h.feed([c, server(0)]);
    assert.equal(h.out.length, 2);
    h.redeliver(0, c);
    h.redeliver(1, server(0));
    assert.equal(h.out.length, 2);
    assert.equal(h.core.stats.redelivered, 2);
    assert.equal(h.core.pending, 0);
  });

  test('drain releases everything, still pairing neighbours', () => {
    const h = new Harness({ skewWindows: 1 });
    const [c, s, lone] = [client(0), server(1), client(7, { client_port: 9 })];
    h.feed([c, s, lone]);
    h.collect(h.core.drain().map((e) => e.record));
    assert.deepEqual([h.of(c).match, h.of(s).match, h.of(lone).match], ['MATCHED', 'MATCHED', 'PEER_MISSING']);
    assert.equal(h.core.pending, 0);
  });
});
