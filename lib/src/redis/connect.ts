/** An ioredis client from the shared Redis options: URL, ACL user/password, TLS files. */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { maskUrlCredentials } from '../config/mask-secrets.js';
import type { Logger } from '../service/logger.js';

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

/**
 * Connects with reconnection built in. Connection errors are logged at most
 * once per reconnect streak (commands fail on their own, so callers see them);
 * without a logger they are only swallowed so they never crash the process.
 */
export function connectRedis(options: RedisConnectionOptions, extra: RedisOptions = {}, logger?: Logger): Redis {
  const redis = new Redis(options.redisUrl, { ...redisClientOptions(options), ...extra });
  let reported = false;
  redis.on('error', (error: Error) => {
    if (!reported) logger?.warn(`cannot reach Redis at ${maskUrlCredentials(options.redisUrl)} (--redis-url): ${error.message}; retrying`);
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) logger?.info('Redis connection restored');
    reported = false;
  });
  return redis;
}
