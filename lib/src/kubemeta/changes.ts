/**
 * Change announcements on the view's pub/sub channel. A message names the
 * keys that changed (`{"v":1,"keys":["pod:default/web-0","ip:10.0.0.5"]}`) or
 * says everything may have (`{"v":1,"all":true}`, after a full resync or a
 * writer take-over), so enrichers drop exactly what they cached.
 */
import type { Redis } from 'ioredis';
import { type KubemetaKeys, type ViewKeyName, type ViewKeyType, splitViewKeyName } from './keys.js';

export type KubemetaChange = { kind: 'all' } | { kind: ViewKeyType; id: string };

interface ChangeMessage {
  v: 1;
  all?: true;
  keys?: string[];
}

/** Messages announcing `names` ('all' for everything), split so none lists more than `maxKeysPerMessage`. */
export function encodeChanges(names: readonly ViewKeyName[] | 'all', maxKeysPerMessage = 500): string[] {
  if (names === 'all') return [JSON.stringify({ v: 1, all: true } satisfies ChangeMessage)];
  const messages: string[] = [];
  for (let start = 0; start < names.length; start += maxKeysPerMessage) {
    messages.push(JSON.stringify({ v: 1, keys: names.slice(start, start + maxKeysPerMessage) } satisfies ChangeMessage));
  }
  return messages;
}

/** The changes a message announces; a message it cannot read means "assume everything changed". */
export function parseChangeMessage(text: string): KubemetaChange[] {
  let message: ChangeMessage;
  try {
    message = JSON.parse(text) as ChangeMessage;
  } catch {
    return [{ kind: 'all' }];
  }
  if (message.all || !Array.isArray(message.keys)) return [{ kind: 'all' }];
  const changes: KubemetaChange[] = [];
  for (const name of message.keys) {
    const parts = typeof name === 'string' ? splitViewKeyName(name) : undefined;
    if (parts) changes.push({ kind: parts.type, id: parts.id });
  }
  return changes;
}

export interface ChangeListener {
  onChanges(changes: KubemetaChange[]): void;
  /** The subscription came back after a break: announcements may have been missed. */
  onResubscribed?(): void;
}

/**
 * Subscribes `subscriber` (a connection dedicated to pub/sub, e.g.
 * `redis.duplicate()`) to the view's channel. ioredis resubscribes by itself
 * after a reconnect; the listener hears about it so it can drop its cache.
 * Resolves with a function that unsubscribes.
 */
export async function subscribeChanges(subscriber: Redis, keys: KubemetaKeys, listener: ChangeListener): Promise<() => Promise<void>> {
  let broken = false;
  const onMessage = (channel: string, message: string) => {
    if (channel === keys.channel) listener.onChanges(parseChangeMessage(message));
  };
  const onClose = () => {
    broken = true;
  };
  const onReady = () => {
    if (!broken) return;
    broken = false;
    listener.onResubscribed?.();
  };
  subscriber.on('message', onMessage);
  subscriber.on('close', onClose);
  subscriber.on('ready', onReady);
  await subscriber.subscribe(keys.channel);
  return async () => {
    subscriber.off('message', onMessage);
    subscriber.off('close', onClose);
    subscriber.off('ready', onReady);
    await subscriber.unsubscribe(keys.channel).catch(() => undefined);
  };
}
