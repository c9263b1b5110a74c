import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectRedis, startRedisServer, type RedisServer } from '@flowmesh/lib';

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

describe('Redis', () => {
  it('round trips values and pipelines through the spawned redis-server', async () => {
    const redis = connectRedis({ redisUrl: server.url });
    try {
      await redis.set('flowmesh:test', 'hello');
      assert.equal(await redis.get('flowmesh:test'), 'hello');
      const results = await redis.pipeline().hset('h', 'a', '1').hset('h', 'b', '2').hgetall('h').exec();
      assert.deepEqual(results?.at(-1), [null, { a: '1', b: '2' }]);
    } finally {
      redis.disconnect();
    }
  });

  it('reconnects by itself after the server restarts', async () => {
    const redis = connectRedis({ redisUrl: server.url });
    try {
      await redis.set('k', 'v1');
      await server.restart({ downMs: 300 });
      const deadline = Date.now() + 10_000;
      let value: string | null | undefined;
      while (Date.now() < deadline) {
        value = await redis.set('k', 'v2').then(() => redis.get('k')).catch(() => undefined);
        if (value) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(value, 'v2');
    } finally {
      redis.disconnect();
    }
  });

  it('authenticates with an ACL user and password', async () => {
    const admin = connectRedis({ redisUrl: server.url });
    try {
      await admin.call('ACL', 'SETUSER', 'flowmesh', 'on', '>s3cret', '~*', '+@all');
      const user = connectRedis({ redisUrl: server.url, redisUsername: 'flowmesh', redisPassword: 's3cret' });
      assert.equal(await user.call('ACL', 'WHOAMI'), 'flowmesh');
      user.disconnect();
      const wrong = connectRedis({ redisUrl: server.url, redisUsername: 'flowmesh', redisPassword: 'nope' }, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      await assert.rejects(wrong.ping(), /WRONGPASS|invalid username-password|Connection is closed|NOAUTH/);
      wrong.disconnect();
    } finally {
      admin.disconnect();
    }
  });
});
