import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerIdFromCgroup } from '../src/process/container-id.js';
import { readProcessInfo } from '../src/process/proc-reader.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ID = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef123';

test('finds the container id in containerd, CRI-O, Docker and Podman cgroup paths', () => {
  const cases: [string, string | null][] = [
    [`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f.slice/cri-containerd-${ID}.scope`, ID],
    [`0::/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/${ID}`, ID],
    [`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-${ID}.scope`, ID],
    [`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-conmon-${ID}.scope`, null],
    [`0::/system.slice/docker-${ID}.scope`, ID],
    [`12:memory:/docker/${ID}\n11:cpu,cpuacct:/docker/${ID}\n0::/`, ID],
    [`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`, ID],
    // cgroup v1 host with the id only in some hierarchies; systemd's own line first
    [`1:name=systemd:/\n4:memory:/kubepods/besteffort/pod42/${ID}\n0::/`, ID],
    ['0::/user.slice/user-1000.slice/session-3.scope', null],
    ['0::/', null],
    ['', null],
    // a 64-hex-looking name that is longer is not an id
    [`0::/x/${ID}ab`, null],
  ];
  for (const [cgroup, expected] of cases) assert.equal(containerIdFromCgroup(cgroup), expected, cgroup);
});

test('reads name, command line and container id from a proc tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'fm-proc-'));
  try {
    mkdirSync(join(root, '42'));
    writeFileSync(join(root, '42', 'comm'), 'mysqld\n');
    writeFileSync(join(root, '42', 'cmdline'), 'mysqld\0--password=x\0--port=3306\0');
    writeFileSync(join(root, '42', 'cgroup'), `0::/kubepods/pod1/${ID}\n`);
    mkdirSync(join(root, '2'));
    writeFileSync(join(root, '2', 'comm'), 'kthreadd\n');
    writeFileSync(join(root, '2', 'cmdline'), '');
    assert.deepEqual(readProcessInfo(42, root), { pid: 42, name: 'mysqld', cmdline: 'mysqld --password=x --port=3306', containerId: ID });
    assert.deepEqual(readProcessInfo(2, root), { pid: 2, name: 'kthreadd', cmdline: '[kthreadd]', containerId: null });
    assert.equal(readProcessInfo(7, root), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
