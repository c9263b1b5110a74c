import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRedactor, redactionRuleProblems, MASK } from '../src/process/redact.js';

const redact = compileRedactor();

test('masks secrets in flags, key=value pairs, URLs and auth headers', () => {
  const cases: [string, string][] = [
    ['mysql --password=hunter2 -h db', `mysql --password=${MASK} -h db`],
    ['app --password hunter2 --port 80', `app --password ${MASK} --port 80`],
    ['psql postgres://app:s3cr3t@db:5432/shop', `psql postgres://app:${MASK}@db:5432/shop`],
    ['curl https://bob:pa:ss@example.com/x', `curl https://bob:${MASK}@example.com/x`],
    ['env PGPASSWORD=abc psql', `env PGPASSWORD=${MASK} psql`],
    ['fetch https://x/y?token=abc&page=2', `fetch https://x/y?token=${MASK}&page=2`],
    ['curl -H Authorization: Bearer eyJhbGci.x.y https://api', `curl -H Authorization: Bearer ${MASK} https://api`],
    ['java -Dapi.key=zzz -jar app.jar', `java -Dapi.key=${MASK} -jar app.jar`],
    ['redis-server *:6379 --requirepass foo', `redis-server *:6379 --requirepass ${MASK}`],
    ['worker --api-token=tok_live_1 --queue=orders', `worker --api-token=${MASK} --queue=orders`],
    ['vault login -method=userpass password=xyz', `vault login -method=userpass password=${MASK}`],
    ['aws --secret-access-key AKIA123 s3 ls', `aws --secret-access-key ${MASK} s3 ls`],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
});

test('leaves ordinary command lines alone', () => {
  for (const cmdline of [
    'nginx: worker process',
    'app --passive-mode --port=80',
    'kubelet --authorization-mode=Webhook --config=/var/lib/kubelet/config.yaml',
    'ssh -p 22 host',
    'postgres -D /var/lib/postgresql/data',
    'curl https://example.com/path?page=2',
  ]) {
    assert.equal(redact(cmdline), cmdline);
  }
});

test('custom rules: group 1 is kept, the rest masked; bad rules are reported', () => {
  const custom = compileRedactor([String.raw`(--license )\S+`, String.raw`sk_live_\w+`]);
  assert.equal(custom('app --license ABCD-1234 key sk_live_9f8e'), `app --license ${MASK} key ${MASK}`);
  assert.deepEqual(redactionRuleProblems(['ok', '(unclosed']).length, 1);
  assert.throws(() => compileRedactor(['(unclosed']), /not a valid regular expression/);
});
