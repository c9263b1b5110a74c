/**
 * The ends of a conversation as the map shows them, with one id whether they
 * come from a flow-metrics series (its pair labels) or from an enriched flow
 * record (labelled by flow-metrics' own PairLabeller), so an edge of the graph
 * finds its recent flows.
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import type { PairLabeller } from '@flowmesh/flow-metrics';

export type EndKind = 'workload' | 'service' | 'node' | 'external' | 'namespace' | 'unknown';

export interface End {
  id: string;
  kind: EndKind;
  /** Empty for nodes and external peers. */
  namespace: string;
  name: string;
  /** Deployment, StatefulSet, DaemonSet, Pod, service, … as flow-metrics labels it. */
  workloadKind: string;
}

/** One end from its `X_namespace`, `X_workload_kind`, `X_workload` label values. */
export function workloadEnd(namespace: string, workloadKind: string, name: string): End {
  switch (workloadKind) {
    case 'node':
      return { id: `node:${name}`, kind: 'node', namespace: '', name, workloadKind };
    case 'external':
      return { id: `external:${name}`, kind: 'external', namespace: '', name, workloadKind };
    case 'unknown':
      return { id: 'unknown:', kind: 'unknown', namespace: '', name: name || 'unresolved', workloadKind };
    case 'service':
      // A Service address that did not resolve to a pod.
      return serviceEnd(namespace, name);
    default:
      return { id: `workload:${namespace}/${workloadKind}/${name}`, kind: 'workload', namespace, name, workloadKind };
  }
}

export function serviceEnd(namespace: string, name: string): End {
  return { id: `service:${namespace}/${name}`, kind: 'service', namespace, name, workloadKind: 'Service' };
}

export function namespaceEnd(namespace: string): End {
  return { id: `namespace:${namespace}`, kind: 'namespace', namespace, name: namespace, workloadKind: 'Namespace' };
}

/** A conversation's ends and the Service its client dialled, with protocol and port class. */
export interface Pair {
  src: End;
  dst: End;
  service: End | null;
  protocol: string;
  port: string;
}

export function pairOf(labels: Readonly<Record<string, string | undefined>>): Pair {
  const src = workloadEnd(labels.src_namespace ?? '', labels.src_workload_kind ?? 'unknown', labels.src_workload ?? '');
  const dst = workloadEnd(labels.dst_namespace ?? '', labels.dst_workload_kind ?? 'unknown', labels.dst_workload ?? '');
  // dst_service is the name of the Service dialled, in dst_namespace.
  const service = labels.dst_service ? serviceEnd(labels.dst_namespace ?? '', labels.dst_service) : null;
  return { src, dst, service, protocol: labels.protocol ?? '', port: labels.dst_port_class ?? '' };
}

/** The pair of a record, exactly as flow-metrics labels it. */
export function pairOfFlow(flow: EnrichedFlow, labeller: PairLabeller): Pair {
  const values = labeller.values(flow);
  return pairOf(Object.fromEntries(labeller.names.map((name, i) => [name, values[i]])));
}
