/**
 * Maps cgroup v2 ids (what bpf_get_current_cgroup_id() returns: the inode
 * number of the cgroup's directory) to cgroup paths, so a process that exited
 * before the agent looked it up still gets its container id.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';

/** Where cgroup2 is mounted, from mountinfo ("unified" on hybrid v1 hosts). */
export function findCgroup2Mount(mountinfo = '/proc/self/mountinfo'): string | null {
  let text: string;
  try {
    text = readFileSync(mountinfo, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const [before, after] = line.split(' - ');
    if (after?.startsWith('cgroup2 ')) return before?.split(' ')[4] ?? null;
  }
  return null;
}

export class CgroupPaths {
  private byId = new Map<number, string>();
  private lastScan = -Infinity;

  constructor(
    private readonly mount: string | null,
    /** Rescans on a miss at most this often: a tree walk is not free. */
    private readonly minRescanMs = 5000,
    private readonly maxEntries = 200_000,
  ) {}

  pathOf(cgroupId: number, now = Date.now()): string | null {
    if (!this.mount || cgroupId === 0) return null;
    const known = this.byId.get(cgroupId);
    if (known !== undefined || now - this.lastScan < this.minRescanMs) return known ?? null;
    this.lastScan = now;
    this.byId = this.scan(this.mount);
    return this.byId.get(cgroupId) ?? null;
  }

  private scan(mount: string): Map<number, string> {
    const found = new Map<number, string>();
    const stack = [''];
    while (stack.length && found.size < this.maxEntries) {
      const relative = stack.pop()!;
      const dir = `${mount}${relative}`;
      try {
        found.set(statSync(dir).ino, relative || '/');
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) stack.push(`${relative}/${entry.name}`);
        }
      } catch {
        // removed while walking
      }
    }
    return found;
  }
}
