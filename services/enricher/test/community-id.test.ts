/**
 * Community ID v1: the specification's published test vectors, and Wireshark's
 * own implementation (tshark's communityid post-dissector) over packets
 * text2pcap builds for flowmesh-like tuples.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { communityId } from '../src/output/json/community-id.js';

const run = promisify(execFile);

interface Vector {
  seed: number;
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  community_id: string;
}

const { vectors } = JSON.parse(await readFile(new URL('./standards/community-id-v1-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

test('Community ID matches every TCP/UDP/SCTP/port-less vector of the specification', () => {
  assert.ok(vectors.length >= 30);
  for (const v of vectors) {
    const tuple = { protocol: v.proto, srcAddr: v.saddr, dstAddr: v.daddr, srcPort: v.sport, dstPort: v.dport };
    assert.equal(communityId(tuple, v.seed), v.community_id, JSON.stringify(v));
  }
});

test('Community ID equals what tshark computes for the same packets', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowmesh-communityid-'));
  try {
    const flows = [
      { protocol: 6, srcAddr: '10.244.1.7', dstAddr: '10.244.2.9', srcPort: 43512, dstPort: 8080 },
      { protocol: 6, srcAddr: '10.244.2.9', dstAddr: '10.244.1.7', srcPort: 8080, dstPort: 43512 },
      { protocol: 17, srcAddr: '10.244.1.7', dstAddr: '10.96.0.10', srcPort: 53124, dstPort: 53 },
      { protocol: 6, srcAddr: 'fd00:10:244::7', dstAddr: '2001:db8::80', srcPort: 40000, dstPort: 443 },
      { protocol: 17, srcAddr: 'fd00::1', dstAddr: 'fd00::1', srcPort: 5353, dstPort: 53 },
    ];
    const hex = join(dir, 'payload.txt');
    await writeFile(hex, '0000 66 6c 6f 77 6d 65 73 68\n');
    for (const [i, flow] of flows.entries()) {
      const pcap = join(dir, `flow-${i}.pcap`);
      const v6 = flow.srcAddr.includes(':');
      const transport = flow.protocol === 6 ? '-T' : '-u';
      await run('text2pcap', ['-q', v6 ? '-6' : '-4', `${flow.srcAddr},${flow.dstAddr}`, transport, `${flow.srcPort},${flow.dstPort}`, hex, pcap]);
      const { stdout } = await run('tshark', ['-r', pcap, '--enable-protocol', 'communityid', '-T', 'fields', '-e', 'communityid']);
      assert.equal(communityId(flow), stdout.trim(), JSON.stringify(flow));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Community ID rejects text that is not an address', () => {
  assert.throws(() => communityId({ protocol: 6, srcAddr: 'web', dstAddr: '10.0.0.1', srcPort: 1, dstPort: 2 }), /not an IP address/);
});
