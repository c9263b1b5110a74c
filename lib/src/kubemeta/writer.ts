/**
 * Redis side of writing the kubemeta view: applies a batch of key operations
 * in pipelines, announces what changed, and reads the whole view back (what a
 * new writer starts from). Deciding *what* to write is metadata-sync's job;
 * every operation here is idempotent (SET of a whole value, DEL, expiry), so
 * replaying a batch after a failure is harmless.
 */
import type { Redis } from 'ioredis';
import { encodeChanges } from './changes.js';
import type { KubemetaKeys, ViewKeyName } from './keys.js';
import type { ViewMeta } from './records.js';

export type ViewOperation =
  /** Sets the whole value; `expireAt` (ms epoch) makes Redis drop it even if no writer is left to. */
  | { op: 'set'; name: ViewKeyName; value: string; expireAt: number | null }
  | { op: 'delete'; name: ViewKeyName }
  /** Changes only the expiry of an unchanged value (null: persist). */
  | { op: 'expire'; name: ViewKeyName; expireAt: number | null };

export interface KubemetaWriterOptions {
  /** Commands per pipeline round trip. @default 1000 */
  pipelineSize?: number;
  /** Keys named per announcement message. @default 500 */
  keysPerAnnouncement?: number;
}

export class KubemetaWriter {
  private readonly pipelineSize: number;
  private readonly keysPerAnnouncement: number;

  constructor(
    private readonly redis: Redis,
    readonly keys: KubemetaKeys,
    options: KubemetaWriterOptions = {},
  ) {
    this.pipelineSize = options.pipelineSize ?? 1000;
    this.keysPerAnnouncement = options.keysPerAnnouncement ?? 500;
  }

  /** Applies the operations; rejects if any command failed (the caller retries the batch). */
  async apply(operations: readonly ViewOperation[]): Promise<void> {
    for (let start = 0; start < operations.length; start += this.pipelineSize) {
      const pipeline = this.redis.pipeline();
      for (const operation of operations.slice(start, start + this.pipelineSize)) {
        const key = this.keys.full(operation.name);
        if (operation.op === 'delete') pipeline.del(key);
        else if (operation.op === 'set') {
          if (operation.expireAt === null) pipeline.set(key, operation.value);
          else pipeline.set(key, operation.value, 'PXAT', operation.expireAt);
        } else if (operation.expireAt === null) pipeline.persist(key);
        else pipeline.pexpireat(key, operation.expireAt);
      }
      await execOrThrow(pipeline);
    }
  }

  /** Publishes which keys changed ('all' after a full rebuild). */
  async announce(names: readonly ViewKeyName[] | 'all'): Promise<void> {
    if (names !== 'all' && names.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const message of encodeChanges(names, this.keysPerAnnouncement)) pipeline.publish(this.keys.channel, message);
    await execOrThrow(pipeline);
  }

  async writeMeta(meta: ViewMeta): Promise<void> {
    await this.redis.set(this.keys.meta, JSON.stringify(meta));
  }

  /** Every key of the view with its value (SCAN + MGET), keyed by unprefixed name. */
  async readAll(scanCount = 1000): Promise<Map<ViewKeyName, string>> {
    const view = new Map<ViewKeyName, string>();
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', this.keys.pattern, 'COUNT', scanCount);
      cursor = next;
      const ours = found.filter((key) => this.keys.nameOf(key) !== undefined);
      if (ours.length) {
        const values = await this.redis.mget(ours);
        ours.forEach((key, index) => {
          const value = values[index];
          if (value !== null && value !== undefined) view.set(this.keys.nameOf(key)!, value);
        });
      }
    } while (cursor !== '0');
    return view;
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = await pipeline.exec();
  const failure = results?.find(([error]) => error);
  if (failure) throw failure[0];
}
