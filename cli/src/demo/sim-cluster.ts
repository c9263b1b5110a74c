/**
 * Builds the demo's simulated cluster out of network namespaces: one netns
 * per node (holding the node's and its pods' addresses), one for the host
 * outside the cluster, all on one bridge; Service virtual IPs are DNAT'ed in
 * every node netns with nftables, as kube-proxy would. Needs root.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClusterPlan } from './cluster-plan.js';

const run = promisify(execFile);

export interface SimCluster {
  /** netns name of a node, for `ip netns exec` and the agent's --netns. */
  netnsOf(node: string): string;
  externalNetns: string;
  teardown(): Promise<void>;
}

async function sh(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')}: ${stderr.trim() || (error as Error).message}`);
  }
}

async function quietly(command: string, args: string[]): Promise<void> {
  await run(command, args).catch(() => undefined);
}

export async function buildSimCluster(plan: ClusterPlan, prefix = 'fmdemo'): Promise<SimCluster> {
  const bridge = `${prefix}-br`;
  const netns = (name: string) => `${prefix}-${name}`;
  const hosts = [...plan.nodes.map((n) => n.name), 'ext'];

  const teardown = async () => {
    for (const host of hosts) await quietly('ip', ['netns', 'del', netns(host)]);
    await quietly('ip', ['link', 'del', bridge]);
  };
  await teardown(); // leftovers of a run that was killed

  try {
    await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await sh('ip', ['link', 'set', bridge, 'up']);
    for (const [index, host] of hosts.entries()) {
      const ns = netns(host);
      // The peer gets a temporary name: "eth0" may already exist in this namespace.
      const outside = `${prefix}-h${index}`;
      const inside = `${prefix}-p${index}`;
      await sh('ip', ['netns', 'add', ns]);
      await sh('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      await sh('ip', ['link', 'set', inside, 'netns', ns]);
      await sh('ip', ['-n', ns, 'link', 'set', inside, 'name', 'eth0']);
      await sh('ip', ['link', 'set', outside, 'master', bridge, 'up']);
      await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      const addresses =
        host === 'ext'
          ? [plan.external.ip]
          : [plan.nodes.find((n) => n.name === host)!.ip, ...plan.pods.filter((p) => p.node === host).map((p) => p.ip)];
      for (const address of addresses) await sh('ip', ['-n', ns, 'addr', 'add', `${address}/32`, 'dev', 'eth0']);
      // Everything is on-link on the bridge; neighbours answer ARP for their own addresses.
      await sh('ip', ['-n', ns, 'route', 'add', 'default', 'dev', 'eth0', 'src', addresses[0]!]);
    }
    for (const node of plan.nodes) await installServiceRules(plan, netns(node.name));
  } catch (error) {
    await teardown();
    throw error;
  }
  return { netnsOf: (node) => netns(node), externalNetns: netns('ext'), teardown };
}

/** kube-proxy's job in miniature: DNAT each Service VIP:port to its (first) backend pod. */
async function installServiceRules(plan: ClusterPlan, ns: string): Promise<void> {
  const nft = (...args: string[]) => sh('ip', ['netns', 'exec', ns, 'nft', ...args]);
  await nft('add', 'table', 'ip', 'flowmesh_svc');
  await nft('add chain ip flowmesh_svc out { type nat hook output priority -100 ; }');
  for (const svc of plan.services) {
    const backend = plan.pods.find((p) => p.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => p.labels[k] === v));
    if (!backend) continue;
    const proto = svc.protocol.toLowerCase();
    await nft('add', 'rule', 'ip', 'flowmesh_svc', 'out', 'ip', 'daddr', svc.clusterIp, proto, 'dport', String(svc.port), 'dnat', 'to', `${backend.ip}:${svc.targetPort}`);
  }
}
