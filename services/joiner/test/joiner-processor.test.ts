/** The processor against a fake sink: what completes which offset, failures, hand-over and the progress note. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, OffsetTracker, RecordCodec, type FlowHalf, type InputRef, type OutputMessage, type OutputSink, type ReleasedOffsets } from '@flowmesh/lib';
import { sampleHalf } from '@flowmesh/lib/testing';
import { JoinCore } from '../src/join-core.js';
import { halfBody, type JoinRecord } from '../src/join-half.js';
import { DEFAULT_JOIN_SETTINGS } from '../src/join-settings.js';
import { JoinerProcessor } from '../src/joiner-processor.js';
import { decodeNote, encodeNote, ReadProgress, type CommittedPosition } from '../src/read-progress.js';

const T0 = 1_763_700_000_000;
const NOW = T0 + 3_600_000;
const joinedCodec = RecordCodec.local('JoinedFlow');

/** Produces into memory, and tracks done offsets with the shared loop's own tracker. */
class FakeSink implements OutputSink {
  readonly tracker = new OffsetTracker();
  readonly produced: OutputMessage[] = [];
  readonly completed: string[] = [];
  readonly deadLettered: { ref: string; reason: string }[] = [];
  failNext = 0;

  async send(messages: readonly OutputMessage[], completes: readonly InputRef[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker unavailable');
    }
    this.produced.push(...messages);
    this.completed.push(...completes.map((r) => `${r.partition}:${r.offset}`));
    for (const ref of completes) this.tracker.done(ref.partition, ref.offset);
  }

  async deadLetter(ref: InputRef, _raw: unknown, error: unknown): Promise<void> {
    this.deadLettered.push({ ref: `${ref.partition}:${ref.offset}`, reason: (error as { reason: string }).reason });
    this.tracker.done(ref.partition, ref.offset);
  }
}

/** A batch the way the loop hands it over: consumed (tracked), then processed. */
async function deliver(processor: JoinerProcessor, sink: FakeSink, records: JoinRecord[], via: OutputSink = sink): Promise<void> {
  sink.tracker.consumed(records[0]!.partition, records);
  await processor.handleBatch(records, via);
}

/** Revokes partitions the way the loop does: with how far it got in each. */
function revoke(processor: JoinerProcessor, sink: FakeSink, partitions: number[]): Promise<void> {
  const released = new Map(partitions.flatMap((p) => [[p, sink.tracker.forget(p)] as const]).filter((entry): entry is [number, ReleasedOffsets] => entry[1] !== null));
  return processor.onAssignment([], partitions, sink, released);
}

type PositionLookup = () => Promise<Map<number, CommittedPosition>>;

/** `positions`: the committed positions a newly assigned partition finds (a map, or how to look them up). */
function setup(positions?: Map<number, CommittedPosition> | PositionLookup, lastFetchAt?: () => number) {
  const core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, graceMs: 10_000 });
  const progress = new ReadProgress();
  const processor = new JoinerProcessor({
    core,
    outputCodec: joinedCodec,
    inputCodec: RecordCodec.local('FlowHalf'),
    progress,
    logger: createLogger('joiner-test', 'silent'),
    now: () => NOW,
    ...(positions ? { committedPositions: typeof positions === 'function' ? positions : async () => positions } : {}),
    ...(lastFetchAt ? { lastFetchAt } : {}),
  });
  return { core, progress, processor, sink: new FakeSink() };
}

const record = (partition: number, offset: number, value: FlowHalf): JoinRecord => ({
  partition,
  offset: String(offset),
  key: Buffer.from(`${value.protocol}|${value.client_ip}|${value.client_port}`),
  value,
  body: halfBody(value),
});
const client = (overrides: Partial<FlowHalf> = {}) => sampleHalf({ vantage: 'SRC', ...overrides });
const server = (overrides: Partial<FlowHalf> = {}) => sampleHalf({ vantage: 'DST', node: 'node-b', server_ip: '10.244.2.9', server_port: 8080, ...overrides });

describe('joiner processor', () => {
  test('a matched pair is produced with the input key and completes both offsets; a waiting half completes nothing', async () => {
    const { processor, sink } = setup();
    await processor.handleBatch([record(0, 0, client())], sink);
    assert.deepEqual(sink.completed, []);
    await processor.handleBatch([record(0, 1, server())], sink);
    assert.deepEqual(sink.completed.sort(), ['0:0', '0:1']);
    assert.deepEqual(sink.produced.map((m) => m.key?.toString()), ['6|10.244.1.7|43512', '6|10.244.1.7|43512']);
    const decoded = sink.produced.map((m) => joinedCodec.decode(m.value));
    assert.deepEqual(decoded.map((r) => [r.half.vantage, r.match, r.dst.ip, r.service_ip]).sort(), [
      ['DST', 'MATCHED', '10.244.2.9', '10.96.0.20'],
      ['SRC', 'MATCHED', '10.244.2.9', '10.96.0.20'],
    ]);
  });

  test('a half that cannot be placed in time goes to the dead-letter topic, the rest of the batch is joined', async () => {
    const { processor, sink } = setup();
    const broken = client({ window_end: T0 });
    await processor.handleBatch([record(0, 0, broken), record(0, 1, client({ server_ip: '8.8.8.8' }))], sink);
    assert.deepEqual(sink.deadLettered, [{ ref: '0:0', reason: 'invalid-window' }]);
    assert.deepEqual(sink.completed, ['0:1']);
  });

  test('a record that cannot be written goes to the dead-letter topic; the others are produced, every offset completes', async () => {
    // An output codec that refuses the record of the half with pid 666, as a writer bug or an unwritable value would.
    const failing = Object.create(joinedCodec, {
      encodeSized: {
        value: (size: number, write: (buffer: Buffer, offset: number) => number) => {
          const bytes = joinedCodec.encodeSized(size, write);
          if (joinedCodec.decode(bytes).half.pid === 666) throw Object.assign(new Error('cannot write'), { reason: 'unwritable' });
          return bytes;
        },
      },
    }) as RecordCodec<'JoinedFlow'>;
    const core = new JoinCore({ ...DEFAULT_JOIN_SETTINGS, graceMs: 10_000 });
    const processor = new JoinerProcessor({ core, outputCodec: failing, inputCodec: RecordCodec.local('FlowHalf'), progress: new ReadProgress(), logger: createLogger('joiner-test', 'silent'), now: () => NOW });
    const sink = new FakeSink();
    await processor.handleBatch([record(0, 0, client({ pid: 666 })), record(0, 1, server())], sink);
    assert.deepEqual(sink.deadLettered, [{ ref: '0:0', reason: 'unwritable' }]);
    assert.equal(sink.produced.length, 1);
    assert.deepEqual(sink.completed, ['0:1']);
  });

  test('records that failed to produce are retried first and their re-delivered batch is skipped', async () => {
    const { processor, sink, core } = setup();
    await processor.handleBatch([record(0, 0, client())], sink);
    sink.failNext = 1;
    const batch = [record(0, 1, server())];
    await assert.rejects(processor.handleBatch(batch, sink), /broker unavailable/);
    await processor.handleBatch(batch, sink); // kafkajs retries the batch
    assert.deepEqual(sink.completed.sort(), ['0:0', '0:1']);
    assert.equal(sink.produced.length, 2);
    assert.equal(core.stats.redelivered, 1);
  });

  test('a revoked partition leaves nothing behind: no pending half, no retry', async () => {
    const { processor, sink, core } = setup();
    await processor.handleBatch([record(1, 0, client())], sink);
    await processor.handleBatch([record(2, 0, client({ client_port: 1 }))], sink);
    sink.failNext = 1;
    await assert.rejects(processor.onTick(NOW + 60_000, sink));
    await processor.onAssignment([], [1, 2]);
    assert.equal(core.pending, 0);
    await processor.onTick(NOW + 120_000, sink);
    await processor.drain(sink);
    assert.deepEqual(sink.produced, []);
  });

  test('a partition is not idle while the consumer is not fetching (rebalance, outage)', async () => {
    let fetchedAt = NOW;
    const { processor, sink } = setup(undefined, () => fetchedAt);
    await processor.handleBatch([record(0, 0, client())], sink);
    await processor.onTick(NOW + 60_000, sink);
    assert.deepEqual(sink.completed, [], 'no fetch since the half came: its peer may be unread');
    fetchedAt = NOW + 45_000;
    await processor.onTick(NOW + 60_000, sink);
    assert.deepEqual(sink.completed, ['0:0'], 'fetches came back empty for longer than the idle timeout');
  });

  test('the commit note counts what was produced at or above the committed offset', async () => {
    const { processor, sink, progress } = setup();
    await processor.handleBatch([record(0, 10, client()), record(0, 11, client({ client_port: 5, server_ip: '8.8.8.8' }))], sink);
    // Offset 10 waits for its peer, so 10 is what the loop commits; 11 (EXTERNAL) is produced above it.
    assert.deepEqual(decodeNote(processor.commitNote(0, '10')), { read: 12, produced: 1, member: progress.member });
    await processor.handleBatch([record(0, 12, server())], sink);
    assert.deepEqual(decodeNote(processor.commitNote(0, '13')), { read: 13, produced: 0, member: progress.member });
  });

  test('after a crash the new owner counts re-reads and the duplicates the old owner recorded', async () => {
    const positions = new Map([[0, { offset: 10, metadata: encodeNote({ read: 14, produced: 3 }) }]]);
    const { processor, sink, progress } = setup(positions);
    await processor.onAssignment([0], []);
    const halves = [10, 11, 12, 13, 14, 15].map((offset) => record(0, offset, client({ client_port: offset, server_ip: '8.8.8.8' })));
    await processor.handleBatch(halves, sink);
    assert.deepEqual(progress.counts, { rereads: 4, duplicates: 3, withheld: 0 });
  });

  describe('a partition that leaves the member and comes back', () => {
    const external = (offset: number) => record(0, offset, client({ client_port: 100 + offset, server_ip: '8.8.8.8' }));
    /** 0 waits for its peer (it comes at 4); 1 is EXTERNAL; 2 and 3 pair. Everything but 0 is produced. */
    const firstRead = () => [record(0, 0, client()), external(1), record(0, 2, client({ client_port: 7 })), record(0, 3, server({ client_port: 7 }))];
    const decodedPorts = (messages: readonly OutputMessage[]) => messages.map((m) => joinedCodec.decode(m.value).half.client_port).sort((a, b) => a - b);

    test('what the member produced before is withheld, what was waiting is joined and produced, every offset completes', async () => {
      const positions = new Map<number, CommittedPosition>();
      const { processor, sink, progress } = setup(positions);
      await deliver(processor, sink, firstRead());
      assert.deepEqual(decodedPorts(sink.produced), [7, 7, 101]);
      positions.set(0, { offset: 0, metadata: processor.commitNote(0, '0') });
      await revoke(processor, sink, [0]);
      await processor.onAssignment([0], [], sink, new Map());

      const before = sink.produced.length;
      sink.completed.length = 0;
      await deliver(processor, sink, [...firstRead(), record(0, 4, server())]);
      assert.deepEqual(decodedPorts(sink.produced.slice(before)), [43512, 43512], 'only the waiting half and its new peer');
      assert.deepEqual(sink.completed.sort(), ['0:0', '0:1', '0:2', '0:3', '0:4']);
      assert.deepEqual(progress.counts, { rereads: 4, duplicates: 0, withheld: 3 });
    });

    test('a record in flight when the partition left counts as produced once the broker acknowledges it', async () => {
      const positions = new Map<number, CommittedPosition>([[0, { offset: 1, metadata: null }]]);
      const { processor, sink } = setup(positions);
      let acknowledge: (() => void) | undefined;
      const slowSink: OutputSink = { send: async (m, c) => { await new Promise<void>((resolve) => (acknowledge = resolve)); await sink.send(m, c); }, deadLetter: sink.deadLetter.bind(sink) };
      await deliver(processor, sink, [external(0)]);
      const sending = deliver(processor, sink, [external(1)], slowSink);
      while (!acknowledge) await new Promise((resolve) => setImmediate(resolve));
      await revoke(processor, sink, [0]);
      acknowledge();
      await sending;
      await processor.onAssignment([0], [], sink, new Map());
      await deliver(processor, sink, [external(1), external(2)]);
      assert.deepEqual(decodedPorts(sink.produced), [100, 101, 102]);
    });

    test('a record whose send failed before the partition left is produced when it comes back', async () => {
      const positions = new Map<number, CommittedPosition>([[0, { offset: 0, metadata: null }]]);
      const { processor, sink } = setup(positions);
      sink.failNext = 1;
      await assert.rejects(deliver(processor, sink, [external(0), external(1)]), /broker unavailable/);
      await revoke(processor, sink, [0]);
      await processor.onAssignment([0], [], sink, new Map());
      await deliver(processor, sink, [external(0), external(1), external(2)]);
      assert.deepEqual(decodedPorts(sink.produced), [100, 101, 102]);
    });

    test('a partition revoked again before its commit is known is judged by the commit of its next return', async () => {
      let answer!: (positions: Map<number, CommittedPosition>) => void;
      const lookups: PositionLookup[] = [
        () => new Promise((resolve) => (answer = resolve)),
        async () => new Map([[0, { offset: 0, metadata: null }]]), // offsets reset meanwhile: below what was read
      ];
      const { processor, sink } = setup(() => lookups.shift()!());
      await deliver(processor, sink, [external(5), external(6)]);
      await revoke(processor, sink, [0]);
      const late = processor.onAssignment([0], [], sink, new Map());
      await revoke(processor, sink, [0]);
      answer(new Map([[0, { offset: 5, metadata: null }]]));
      await late;
      await processor.onAssignment([0], [], sink, new Map());
      await deliver(processor, sink, [external(5), external(6)]);
      assert.deepEqual(decodedPorts(sink.produced), [105, 105, 106, 106]);
    });

    test('nothing is withheld when the commit it comes back with is unknown or below what the member read (offsets reset)', async () => {
      for (const position of [undefined, { offset: 0, metadata: null }]) {
        const positions = new Map<number, CommittedPosition>();
        const { processor, sink } = setup(positions);
        await deliver(processor, sink, [external(5), external(6)]);
        await revoke(processor, sink, [0]);
        if (position) positions.set(0, position);
        await processor.onAssignment([0], [], sink, new Map());
        await deliver(processor, sink, [external(5), external(6)]);
        assert.deepEqual(decodedPorts(sink.produced), [105, 105, 106, 106], JSON.stringify(position));
      }
    });
  });

  test('notes that are not ours are ignored', () => {
    assert.equal(decodeNote(null), null);
    assert.equal(decodeNote('some other tool'), null);
    assert.equal(decodeNote('flowmesh-joiner/1 read=x produced=1'), null);
  });
});
