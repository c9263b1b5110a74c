/**
 * The ends of a conversation as the map shows them, with one id whether they
 * come from a flow-metrics series (its pair labels) or from an enriched flow
 * record, so an edge of the graph finds its recent flows.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';

export type EndKind = 'workload' | 'service' | 'node' | 'external' | 'namespace';

export interface End {
  id: string;
  kind: EndKind;
  /** Empty for nodes and external peers. */
  namespace: string;
  name: string;
  /** Deployment, StatefulSet, DaemonSet, pod, unknown… for workloads. */
  workloadKind: string;
}

export function workloadEnd(namespace: string, workloadKind: string, name: string): End {
  if (workloadKind === 'node') return { id: `node:${name}`, kind: 'node', namespace: '', name, workloadKind };
  if (workloadKind === 'external') return { id: `external:${name}`, kind: 'external', namespace: '', name, workloadKind };
  return { id: `workload:${namespace}/${workloadKind}/${name}`, kind: 'workload', namespace, name, workloadKind };
}

export function serviceEnd(namespace: string, name: string): End {
  return { id: `service:${namespace}/${name}`, kind: 'service', namespace, name, workloadKind: 'Service' };
}

export function namespaceEnd(namespace: string): End {
  return { id: `namespace:${namespace}`, kind: 'namespace', namespace, name: namespace, workloadKind: 'Namespace' };
}

/** How flow-metrics groups an external peer: by AS number, else country (its `X_workload` label). */
export function externalGroup(asn: number | null, country: string | null): string {
  if (asn !== null) return `AS${asn}`;
  return country ?? 'unknown';
}

type SideView = Pick<EnrichedSide, 'object_type' | 'object_name' | 'node' | 'workload_name' | 'workload_namespace' | 'workload_kind' | 'object_namespace' | 'asn' | 'geo_country'>;

/** One side of a record, as the end flow-metrics labels it. */
export function endOfSide(side: SideView): End {
  switch (side.object_type) {
    case 'external':
      return workloadEnd('', 'external', externalGroup(side.asn, side.geo_country));
    case 'node':
      return workloadEnd('', 'node', side.object_name ?? side.node ?? 'unknown');
    case 'pod':
    case 'service':
      if (side.workload_name) return workloadEnd(side.workload_namespace ?? side.object_namespace ?? '', side.workload_kind ?? 'unknown', side.workload_name);
      return workloadEnd(side.object_namespace ?? '', 'pod', side.object_name ?? 'unknown');
    default:
      return workloadEnd('', 'unknown', 'unknown');
  }
}

export function side(flow: EnrichedFlow, prefix: 'src' | 'dst'): EnrichedSide {
  const get = (field: keyof EnrichedSide) => (flow as unknown as Record<string, unknown>)[`${prefix}_${field}`];
  return {
    process_pid: get('process_pid'),
    process_name: get('process_name'),
    process_cmdline: get('process_cmdline'),
    container_id: get('container_id'),
    node: get('node'),
    object_name: get('object_name'),
    object_namespace: get('object_namespace'),
    object_type: get('object_type'),
    container_name: get('container_name'),
    workload_name: get('workload_name'),
    workload_namespace: get('workload_namespace'),
    workload_kind: get('workload_kind'),
    labels: get('labels') ?? {},
    geo_country: get('geo_country'),
    geo_city: get('geo_city'),
    asn: get('asn'),
    asn_org: get('asn_org'),
    zone: get('zone'),
    geo_latitude: get('geo_latitude'),
    geo_longitude: get('geo_longitude'),
  } as EnrichedSide;
}

/** The Service a record's client dialled, as an end (null when it dialled the server directly). */
export function serviceOfFlow(flow: EnrichedFlow): End | null {
  if (!flow.service_name) return null;
  return serviceEnd(flow.service_namespace ?? flow.dst_workload_namespace ?? '', flow.service_name);
}
