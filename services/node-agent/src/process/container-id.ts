/**
 * The container id of a process, from the cgroup paths in /proc/<pid>/cgroup.
 * Kubernetes runtimes put it in the leaf cgroup's name:
 *
 *   containerd, systemd driver  .../kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
 *   containerd/Docker, cgroupfs  /kubepods/burstable/pod<uid>/<id>
 *   CRI-O, systemd driver        .../crio-<id>.scope   (crio-conmon-<id>.scope is the monitor, not the container)
 *   Docker, systemd driver       /system.slice/docker-<id>.scope
 *   Docker, cgroupfs             /docker/<id>
 *   Podman                       .../libpod-<id>.scope
 *
 * cgroup v1 files list one path per hierarchy, v2 files a single "0::" line;
 * the deepest id on any line wins. Returns the bare 64-hex id (what
 * Kubernetes reports after "containerd://", "cri-o://", "docker://").
 */

const ID_SEGMENT = /^(?:cri-containerd-|crio-|docker-|libpod-)?([0-9a-f]{64})(?:\.scope)?$/;

function idInPath(path: string): string | null {
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] ?? '';
    if (segment.startsWith('crio-conmon-')) return null;
    const match = ID_SEGMENT.exec(segment);
    if (match) return match[1] ?? null;
  }
  return null;
}

export function containerIdFromCgroup(procCgroup: string): string | null {
  for (const line of procCgroup.split('\n')) {
    // hierarchy-id:controllers:path — the path may itself contain ':'
    const path = line.split(':').slice(2).join(':');
    const id = path ? idInPath(path) : null;
    if (id) return id;
  }
  return null;
}
