/**
 * Which nodes to probe, decided from the kubemeta view alone: a node is probed
 * when it is live (not deleted, not being deleted) and its agent pod is ready
 * and has an address. Anything else is reported with the reason, never probed,
 * so a node on its way out cannot fail a test.
 */
import { type NodeRecord, type PodRecord, pickIncarnation } from '@flowmesh/lib';

export interface ProbeTarget {
  node: string;
  zone: string;
  /** The agent pod's address (the node's for a host-network DaemonSet). */
  address: string;
}

/** Why a node in the view is not probed. */
export type SkipReason = 'agent_missing' | 'agent_not_ready' | 'node_deleting';

export interface SkippedNode {
  node: string;
  zone: string;
  reason: SkipReason;
}

export interface PeerSelection {
  self: { node: string; zone: string };
  targets: ProbeTarget[];
  skipped: SkippedNode[];
}

/** The zone label value used when a node has none (as kconmon does). */
export const UNKNOWN_ZONE = 'unknown';

/** `k=v,k2=v2` → a label map; problems (an entry without `=`) are returned, not thrown. */
export function parseSelector(text: string): { labels: Record<string, string>; problems: string[] } {
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq < 1) problems.push(`"${entry}" is not key=value`);
    else labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return { labels, problems };
}

export function matchesSelector(pod: PodRecord, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => pod.labels[key] === value);
}

function zoneOf(node: NodeRecord | null): string {
  return node?.zone ?? UNKNOWN_ZONE;
}

/** An agent pod that can answer: live, ready, addressed. IPv4 first (the responder listens on IPv4). */
function agentAddress(pod: PodRecord): string | null {
  if (pod.deletedAt !== null || pod.deleting === true || pod.ready === false || pod.phase !== 'Running') return null;
  return pod.ips.find((ip) => ip.includes('.')) ?? pod.ips[0] ?? null;
}

function liveNode(records: readonly NodeRecord[]): NodeRecord | null {
  const node = pickIncarnation(records);
  return node && node.deletedAt === null ? node : null;
}

/**
 * Targets and skipped nodes for `selfNode`. `agents` are the agent pods (any
 * incarnations); when a node has several (a rollout), a ready one wins.
 */
export function selectPeers(selfNode: string, nodes: ReadonlyMap<string, readonly NodeRecord[]>, agents: ReadonlyMap<string, readonly PodRecord[]>): PeerSelection {
  const byNode = new Map<string, PodRecord[]>();
  for (const incarnations of agents.values()) {
    for (const pod of incarnations) {
      if (pod.node !== null && pod.deletedAt === null) byNode.set(pod.node, [...(byNode.get(pod.node) ?? []), pod]);
    }
  }
  const self = { node: selfNode, zone: zoneOf(liveNode(nodes.get(selfNode) ?? [])) };
  const targets: ProbeTarget[] = [];
  const skipped: SkippedNode[] = [];
  for (const [name, records] of [...nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const node = liveNode(records);
    if (!node || name === selfNode) continue;
    const zone = zoneOf(node);
    const pods = byNode.get(name) ?? [];
    const address = pods.map(agentAddress).find((a): a is string => a !== null);
    if (node.deleting === true) skipped.push({ node: name, zone, reason: 'node_deleting' });
    else if (address) targets.push({ node: name, zone, address });
    else skipped.push({ node: name, zone, reason: pods.length ? 'agent_not_ready' : 'agent_missing' });
  }
  return { self, targets, skipped };
}
