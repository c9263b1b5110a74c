/**
 * Two network namespaces joined by a veth pair: "node A" and "node B" for
 * the agent's integration tests and benchmark. Needs root and iproute2.
 */
import { execFileSync } from 'node:child_process';

export interface NetnsPair {
  a: { name: string; path: string; ip: string };
  b: { name: string; path: string; ip: string };
  /** Deletes both namespaces (and with them the veth pair); safe to call twice. */
  destroy(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export function createNetnsPair(tag = `${process.pid}`): NetnsPair {
  const suffix = tag.slice(-8);
  const octet = 1 + (Number.parseInt(suffix, 10) % 250 || 0);
  const a = { name: `fm-a-${suffix}`, path: `/var/run/netns/fm-a-${suffix}`, ip: `10.213.${octet}.1` };
  const b = { name: `fm-b-${suffix}`, path: `/var/run/netns/fm-b-${suffix}`, ip: `10.213.${octet}.2` };
  const destroy = () => {
    for (const ns of [a, b]) {
      try {
        ip(['netns', 'del', ns.name]);
      } catch {
        // already gone
      }
    }
  };
  destroy(); // leftovers of a killed run
  try {
    ip(['netns', 'add', a.name]);
    ip(['netns', 'add', b.name]);
    ip(['link', 'add', `fmva${suffix}`.slice(0, 15), 'netns', a.name, 'type', 'veth', 'peer', 'name', `fmvb${suffix}`.slice(0, 15), 'netns', b.name]);
    for (const [ns, dev] of [
      [a, `fmva${suffix}`.slice(0, 15)],
      [b, `fmvb${suffix}`.slice(0, 15)],
    ] as const) {
      ip(['-n', ns.name, 'addr', 'add', `${ns.ip}/30`, 'dev', dev]);
      ip(['-n', ns.name, 'link', 'set', dev, 'up']);
      ip(['-n', ns.name, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return { a, b, destroy };
}
