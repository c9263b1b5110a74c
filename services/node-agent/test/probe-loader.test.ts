/**
 * The loader on its own, in a private network namespace: map-full drops are
 * counted, idle UDP entries are evicted with a final record, bad arguments
 * fail clearly. Runs as root on a BTF kernel (CI); skips elsewhere.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeProblems } from '../src/capabilities.js';
import { Flag } from '../src/probe/layout.js';
import { ProbeLoader, ProbeLoaderError } from '../src/probe/loader-process.js';
import { createNetnsPair, type NetnsPair } from './support/netns-pair.js';

const BPF_DIR = fileURLToPath(new URL('../../../bpf/', import.meta.url));
const missing = probeProblems({ loaderPath: process.execPath });
const skip = missing.length ? `eBPF not available here: ${missing.join('; ')}` : false;

let pair: NetnsPair | undefined;
before(() => {
  if (skip) return;
  execFileSync('make', ['-s', '-C', BPF_DIR], { stdio: 'pipe' });
  pair = createNetnsPair(`${process.pid}7`);
});
after(() => pair?.destroy());

/** Runs a node script inside namespace A. */
function inNamespaceA(script: string): void {
  execFileSync('ip', ['netns', 'exec', pair!.a.name, process.execPath, '--input-type=module', '-e', script], { stdio: 'pipe', timeout: 20_000 });
}

test('a full TCP map is counted, never silent', { skip }, async () => {
  const { loader, hello } = await ProbeLoader.start({ netnsPath: pair!.a.path, tcpMaxEntries: 16 });
  try {
    assert.equal(hello.tcpMaxEntries, 16);
    inNamespaceA(`
      import net from 'node:net';
      const server = net.createServer((s) => s.resume()).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const sockets = await Promise.all(Array.from({ length: 40 }, () => new Promise((r) => { const c = net.connect(server.address().port, '127.0.0.1', () => r(c)); })));
      for (const s of sockets) s.destroy();
      server.close();
    `);
    const drain = await loader.drain();
    assert.ok(drain.end.counters.tcp_map_full > 0, `tcp_map_full = ${drain.end.counters.tcp_map_full}`);
    assert.ok(drain.flows.length <= 16);
    assert.equal(drain.end.tcpMaxEntries, 16);
  } finally {
    await loader.stop();
  }
});

test('idle UDP entries are written once more, flagged evicted, then forgotten', { skip }, async () => {
  const { loader } = await ProbeLoader.start({ netnsPath: pair!.a.path, udpIdleMs: 300 });
  try {
    inNamespaceA(`
      import dgram from 'node:dgram';
      const a = dgram.createSocket('udp4');
      await new Promise((r) => a.bind(0, '127.0.0.1', r));
      const b = dgram.createSocket('udp4');
      await new Promise((r) => b.send(Buffer.alloc(321), a.address().port, '127.0.0.1', r));
      await new Promise((r) => a.once('message', r));
      a.close(); b.close();
    `);
    const first = await loader.drain();
    const sent = first.flows.filter((f) => f.protocol === 'udp' && f.bytesSent === 321);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.flags & Flag.EVICTED, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await loader.drain();
    const evicted = second.flows.filter((f) => f.id === sent[0]!.id);
    assert.equal(evicted.length, 1);
    assert.ok(evicted[0]!.flags & Flag.EVICTED);
    assert.ok(second.end.counters.udp_evicted >= 2, 'the sender and the receiver entry');
    const third = await loader.drain();
    assert.equal(third.flows.filter((f) => f.id === sent[0]!.id).length, 0);
  } finally {
    await loader.stop();
  }
});

test('TCP outcomes: a closed port is REFUSED, an abortive close is a RESET sent by one end and received by the other', { skip }, async () => {
  const { loader } = await ProbeLoader.start({ netnsPath: pair!.a.path });
  try {
    inNamespaceA(`
      import net from 'node:net';
      await new Promise((r) => net.connect(9, '127.0.0.1').once('error', r));
      const server = net.createServer((s) => { s.resetAndDestroy(); }).listen(7777, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const c = net.connect(7777, '127.0.0.1');
      await new Promise((r) => c.once('error', r).once('close', r));
      server.close();
    `);
    const drain = await loader.drain();
    const tcp = drain.flows.filter((f) => f.protocol === 'tcp');
    const refused = tcp.find((f) => f.remotePort === 9);
    assert.ok(refused, 'the refused connect has a record');
    assert.ok(refused.flags & Flag.REFUSED, `flags ${refused.flags.toString(2)}`);
    assert.equal(refused.flags & Flag.ESTABLISHED, 0);
    const client = tcp.find((f) => f.remotePort === 7777);
    const server = tcp.find((f) => f.localPort === 7777);
    assert.ok(client && server, 'both ends of the reset connection have records');
    assert.ok(client.flags & Flag.ESTABLISHED && server.flags & Flag.ESTABLISHED);
    assert.ok(server.flags & Flag.RESET_SENT, `server flags ${server.flags.toString(2)}`);
    assert.ok(client.flags & Flag.RESET_RECEIVED, `client flags ${client.flags.toString(2)}`);
    assert.equal(client.flags & Flag.RESET_SENT, 0);
  } finally {
    await loader.stop();
  }
});

test('TCP outcomes: a connect whose SYNs are dropped is a TIMEOUT', { skip }, async () => {
  const netns = ['netns', 'exec', pair!.a.name];
  execFileSync('ip', [...netns, 'sysctl', '-qw', 'net.ipv4.tcp_syn_retries=1']);
  execFileSync('ip', [...netns, 'nft', 'add table inet outcome; add chain inet outcome out { type filter hook output priority 0; }; add rule inet outcome out tcp dport 7778 drop']);
  const { loader } = await ProbeLoader.start({ netnsPath: pair!.a.path });
  try {
    inNamespaceA(`
      import net from 'node:net';
      await new Promise((r) => net.connect(7778, '127.0.0.1').once('error', r));
    `);
    const drain = await loader.drain();
    const timedOut = drain.flows.find((f) => f.protocol === 'tcp' && f.remotePort === 7778);
    assert.ok(timedOut, 'the timed-out connect has a record');
    assert.ok(timedOut.flags & Flag.TIMEOUT, `flags ${timedOut.flags.toString(2)}`);
    assert.equal(timedOut.flags & (Flag.ESTABLISHED | Flag.REFUSED), 0);
  } finally {
    await loader.stop();
    execFileSync('ip', [...netns, 'nft', 'delete table inet outcome']);
  }
});

test('the loader fails clearly on bad arguments', { skip }, async () => {
  const failure = await ProbeLoader.start({ netnsPath: '/nonexistent/ns' }).then(
    () => assert.fail('started'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof ProbeLoaderError);
  assert.equal(failure.exitCode, 2);
  assert.match(failure.message, /--netns \/nonexistent\/ns: No such file or directory/);
});
