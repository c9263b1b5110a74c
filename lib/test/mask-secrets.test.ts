import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskUrlCredentials, redactConfig, defineOptions } from '@flowmesh/lib';

describe('maskUrlCredentials', () => {
  it('masks the password of any URL, keeping scheme, user and host', () => {
    assert.equal(maskUrlCredentials('redis://:RedisPW@10.0.0.5:6379/0'), 'redis://:***@10.0.0.5:6379/0');
    assert.equal(maskUrlCredentials('rediss://flowmesh:pw@redis:6380'), 'rediss://flowmesh:***@redis:6380');
    assert.equal(maskUrlCredentials('failed: https://key:s3cr3t@registry.example.com/subjects'), 'failed: https://key:***@registry.example.com/subjects');
  });
  it('masks a bare userinfo (a token as user) and secret query values', () => {
    assert.equal(maskUrlCredentials('http://tok3n@host:1'), 'http://***@host:1');
    assert.equal(maskUrlCredentials('http://host/x?user=a&password=p4ss&x=1'), 'http://host/x?user=a&password=***&x=1');
  });
  it('leaves URLs without credentials and other text alone', () => {
    for (const text of ['redis://127.0.0.1:6379', 'kafka:19092', 'user@example.com wrote', 'a:b@c without scheme']) assert.equal(maskUrlCredentials(text), text);
  });
});

describe('redactConfig', () => {
  it('masks secret options and the credentials inside every URL option', () => {
    const specs = defineOptions({
      redisUrl: { type: 'string', doc: 'url' },
      brokers: { type: 'list', doc: 'list' },
      password: { type: 'string', doc: 'pw', secret: true },
    });
    assert.deepEqual(redactConfig(specs, { redisUrl: 'redis://:RedisPW@h:1', brokers: ['b:9092'], password: 'x' }), {
      redisUrl: 'redis://:***@h:1',
      brokers: ['b:9092'],
      password: '***',
    });
  });
});
