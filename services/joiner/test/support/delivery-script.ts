/**
 * Turns generated halves into what a consumer would see: per-partition
 * offsets (partition by key, so both halves of a conversation share one),
 * batches that interleave partitions at random, timer ticks, occasional
 * re-deliveries of records already handled, and a final drain.
 */
import { halfBody, type JoinRecord } from '../../src/join-half.js';
import type { GeneratedHalf } from './flow-scenario.js';
import { partitionForKey, Prng } from '@flowmesh/lib';

export type Step =
  | { kind: 'batch'; records: JoinRecord[]; nowMs: number }
  | { kind: 'tick'; nowMs: number }
  | { kind: 'drain' };

export interface DeliveredInput {
  record: JoinRecord;
  source: GeneratedHalf;
}

export interface DeliveryScript {
  steps: Step[];
  /** Every distinct input record, by `${partition}:${offset}`. */
  inputs: Map<string, DeliveredInput>;
}

export interface DeliveryOptions {
  seed: number;
  partitions: number;
  tickMs: number;
  /** Ticks after the last record, to let idle partitions release before the drain. */
  trailingMs: number;
}

export function refId(partition: number, offset: string | number): string {
  return `${partition}:${offset}`;
}

export function deliveryScript(halves: readonly GeneratedHalf[], options: DeliveryOptions): DeliveryScript {
  const rng = new Prng(options.seed ^ 0x5eed);
  const steps: Step[] = [];
  const inputs = new Map<string, DeliveredInput>();
  const buffers: JoinRecord[][] = Array.from({ length: options.partitions }, () => []);
  const delivered: JoinRecord[][] = Array.from({ length: options.partitions }, () => []);
  const nextOffset = new Array<number>(options.partitions).fill(0);
  let now = halves[0]?.producedAt ?? 0;
  let nextTick = now + options.tickMs;

  const flush = (partition: number) => {
    const records = buffers[partition]!.splice(0);
    if (!records.length) return;
    steps.push({ kind: 'batch', records, nowMs: now });
    delivered[partition]!.push(...records);
    if (rng.chance(0.02)) {
      // The consumer re-seeked: some records come again to the member that already handled them.
      const again = delivered[partition]!.slice(-rng.int(1, 20));
      steps.push({ kind: 'batch', records: again, nowMs: now });
    }
  };
  const tickUntil = (time: number) => {
    for (; nextTick <= time; nextTick += options.tickMs) steps.push({ kind: 'tick', nowMs: nextTick });
  };

  for (const source of halves) {
    tickUntil(source.producedAt);
    now = Math.max(now, source.producedAt);
    const { half } = source;
    const key = `${half.protocol}|${half.client_ip}|${half.client_port}`;
    const partition = partitionForKey(key, options.partitions);
    const record: JoinRecord = { partition, offset: String(nextOffset[partition]!++), key: Buffer.from(key), value: half, body: halfBody(half) };
    inputs.set(refId(partition, record.offset), { record, source });
    buffers[partition]!.push(record);
    if (rng.chance(0.3)) flush(rng.int(0, options.partitions - 1));
  }
  for (let p = 0; p < options.partitions; p++) flush(p);
  tickUntil(now + options.trailingMs);
  steps.push({ kind: 'drain' });
  return { steps, inputs };
}
