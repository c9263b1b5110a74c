/** Writes the fixture's kubemeta view into a real Redis through metadata-sync's writer. */
import type { Redis } from 'ioredis';
import { KubemetaKeys, KubemetaWriter, type ViewKeyName } from '@flowmesh/lib';
import { fixtureView } from './cluster-fixture.js';

export async function writeView(redis: Redis, view: Map<ViewKeyName, unknown> = fixtureView(), base = 'km'): Promise<KubemetaWriter> {
  const writer = new KubemetaWriter(redis, new KubemetaKeys(base));
  await writer.apply([...view].map(([name, value]) => ({ op: 'set' as const, name, value: JSON.stringify(value), expireAt: null })));
  await writer.announce('all');
  return writer;
}
