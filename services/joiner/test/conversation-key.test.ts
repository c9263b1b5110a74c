import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIpv4 } from '@flowmesh/lib';
import { sampleHalf } from '@flowmesh/lib/testing';
import { conversationKey } from '../src/conversation-key.js';

const key = (overrides: Parameters<typeof sampleHalf>[0], loopback = false) => {
  const half = sampleHalf(overrides);
  return conversationKey(half, parseIpv4(half.client_ip), loopback);
};

test('TCP and UDP over IPv4 are numbers, one per protocol, address and port', () => {
  const keys = [
    key({ protocol: 6, client_ip: '10.0.0.1', client_port: 65535 }),
    key({ protocol: 6, client_ip: '10.0.0.2', client_port: 0 }),
    key({ protocol: 17, client_ip: '10.0.0.1', client_port: 65535 }),
    key({ protocol: 6, client_ip: '255.255.255.255', client_port: 65535 }),
    key({ protocol: 17, client_ip: '0.0.0.0', client_port: 0 }),
  ];
  for (const k of keys) assert.ok(typeof k === 'number' && Number.isSafeInteger(k), String(k));
  assert.equal(new Set(keys).size, keys.length);
  // The server side is not part of it: both ends of a conversation share it whatever server they name.
  assert.equal(key({ server_ip: '10.96.0.1', server_port: 80 }), key({ server_ip: '10.244.9.9', server_port: 8080 }));
});

test('other protocols, IPv6, odd ports and loopback are text, loopback with its node', () => {
  assert.equal(key({ protocol: 132, client_ip: '10.0.0.1', client_port: 5 }), '132|10.0.0.1|5');
  assert.equal(key({ protocol: 6, client_ip: 'fd00::1', client_port: 5 }), '6|fd00::1|5');
  assert.equal(key({ protocol: 6, client_ip: '10.0.0.1', client_port: 70000 }), '6|10.0.0.1|70000');
  assert.equal(key({ protocol: 6, client_ip: '127.0.0.1', client_port: 5, node: 'node-a' }, true), '6|127.0.0.1|5|node-a');
});
