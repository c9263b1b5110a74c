/** An ioredis client from the shared Redis options: URL, ACL user/password, TLS files. */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  redisUrl: string;
  redisUsername?: string;
  redisPassword?: string;
  redisTlsCa?: string;
  redisTlsCert?: string;
  redisTlsKey?: string;
}

export function redisClientOptions(options: RedisConnectionOptions): RedisOptions {
  const tlsFromUrl = options.redisUrl.startsWith('rediss://');
  const tlsFiles = options.redisTlsCa ?? options.redisTlsCert;
  return {
    ...(options.redisUsername ? { username: options.redisUsername } : {}),
    ...(options.redisPassword ? { password: options.redisPassword } : {}),
    ...(tlsFromUrl || tlsFiles
      ? {
          tls: {
            ...(options.redisTlsCa ? { ca: readFileSync(options.redisTlsCa, 'utf8') } : {}),
            ...(options.redisTlsCert ? { cert: readFileSync(options.redisTlsCert, 'utf8') } : {}),
            ...(options.redisTlsKey ? { key: readFileSync(options.redisTlsKey, 'utf8') } : {}),
          },
        }
      : {}),
    // Fail commands fast while disconnected instead of queueing them without bound; callers fall back to caches.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000) + Math.floor(Math.random() * 100),
    lazyConnect: false,
  };
}

export function connectRedis(options: RedisConnectionOptions, extra: RedisOptions = {}): Redis {
  return new Redis(options.redisUrl, { ...redisClientOptions(options), ...extra });
}
