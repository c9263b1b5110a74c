import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignRoles, type RoleInput } from '../src/halves/roles.js';
import { Flag } from '../src/probe/layout.js';

const A = { ip: '10.0.0.1', port: 43512 };
const B = { ip: '10.0.0.2', port: 80 };

/** What each end would report for the same conversation. */
function bothEnds(protocol: 'tcp' | 'udp', flagsAtA: number, flagsAtB: number) {
  const atA = assignRoles({ protocol, flags: flagsAtA, local: A, remote: B });
  const atB = assignRoles({ protocol, flags: flagsAtB, local: B, remote: A });
  return { atA, atB };
}

test('TCP: the active opener is the client, whatever the ports', () => {
  const { atA, atB } = bothEnds('tcp', Flag.ACTIVE_OPEN, Flag.PASSIVE_OPEN);
  assert.equal(atA.vantage, 'SRC');
  assert.equal(atB.vantage, 'DST');
  assert.deepEqual(atA.client, A);
  assert.deepEqual(atB.client, A);
  // a client on a low port talking to a server on a high one
  const low = assignRoles({ protocol: 'tcp', flags: Flag.ACTIVE_OPEN, local: { ip: '10.0.0.1', port: 22 }, remote: { ip: '10.0.0.2', port: 40000 } });
  assert.equal(low.vantage, 'SRC');
});

test('sockets open before the probe: the lower port is the server, on both ends', () => {
  const { atA, atB } = bothEnds('tcp', Flag.MIDSTREAM, Flag.MIDSTREAM);
  assert.equal(atA.vantage, 'SRC');
  assert.equal(atB.vantage, 'DST');
  assert.deepEqual(atA.server, B);
  assert.deepEqual(atB.server, B);
  // equal ports: the lower address is the server, both ends agree
  const x = { ip: '10.0.0.9', port: 123 };
  const y = { ip: '10.0.0.3', port: 123 };
  const atX = assignRoles({ protocol: 'tcp', flags: 0, local: x, remote: y });
  const atY = assignRoles({ protocol: 'tcp', flags: 0, local: y, remote: x });
  assert.deepEqual(atX.server, y);
  assert.deepEqual(atY.server, y);
  assert.notEqual(atX.vantage, atY.vantage);
});

test('UDP: the listener is the server; an automatic port is the client', () => {
  // sendto() from an unbound socket to a bound, unconnected server
  let ends = bothEnds('udp', 0, Flag.BOUND_PORT);
  assert.equal(ends.atA.vantage, 'SRC');
  assert.equal(ends.atB.vantage, 'DST');
  // connect()ed client to a listener
  ends = bothEnds('udp', Flag.CONNECTED, Flag.BOUND_PORT);
  assert.equal(ends.atA.vantage, 'SRC');
  assert.equal(ends.atB.vantage, 'DST');
  // a server that connect()s its socket per client (bound and connected): lower port
  ends = bothEnds('udp', 0, Flag.BOUND_PORT | Flag.CONNECTED);
  assert.equal(ends.atB.vantage, 'DST');
  // the roles follow the flags even when the client's port is lower
  const input: RoleInput = { protocol: 'udp', flags: Flag.BOUND_PORT, local: { ip: '10.0.0.2', port: 5000 }, remote: { ip: '10.0.0.1', port: 53 } };
  assert.equal(assignRoles(input).vantage, 'DST');
});
