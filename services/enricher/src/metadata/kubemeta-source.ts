/**
 * MetadataSource over the Redis kubemeta view, through metadata-sync's reader
 * (one MGET per call) and its change channel.
 */
import type { Redis } from 'ioredis';
import { KubemetaKeys, KubemetaReader, subscribeChanges } from '@flowmesh/lib';
import { toMetadataChange, type ChangeListener, type KeysByKind, type MetadataSource, type ValuesByKind } from './source.js';

export interface KubemetaSourceOptions {
  /** Key prefix base of the view (metadata-sync's --view-prefix). @default "km" */
  base?: string;
}

/**
 * `reads` serves the lookups; `announcements` is a connection dedicated to
 * pub/sub (a subscribed connection can issue no other command).
 */
export function createKubemetaSource(reads: Redis, announcements: Redis, options: KubemetaSourceOptions = {}): MetadataSource {
  const keys = new KubemetaKeys(options.base);
  const reader = new KubemetaReader(reads, { keys });
  return {
    reachable: () => reads.status === 'ready',
    async fetch(request: KeysByKind): Promise<ValuesByKind> {
      const snapshot = await reader.fetch({
        ips: request.address ?? [],
        containers: request.container ?? [],
        pods: request.pod ?? [],
        services: request.service ?? [],
        nodes: request.node ?? [],
      });
      return { address: snapshot.ips, container: snapshot.containers, pod: snapshot.pods, service: snapshot.services, node: snapshot.nodes };
    },
    subscribe(listener: ChangeListener) {
      return subscribeChanges(announcements, keys, {
        onChanges(changes) {
          for (const change of changes) {
            const mapped = toMetadataChange(change);
            if (mapped) listener.onChange(mapped);
          }
        },
        onResubscribed: () => listener.onResubscribed(),
      });
    },
  };
}
