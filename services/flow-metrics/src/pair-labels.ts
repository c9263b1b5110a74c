/**
 * The label values of a flow's traffic pair: each end as namespace, workload
 * kind and workload (at the configured granularity), the Service dialled,
 * protocol, server port class and zones. Never addresses or raw ports, so the
 * number of pairs follows the number of workloads, not of connections.
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import type { ExternalGrouping, LabelGranularity } from './options.js';

export const END_LABELS = ['namespace', 'workload_kind', 'workload'] as const;

/** Label names of a pair, in the order of PairLabeller.values(). */
export function pairLabelNames(granularity: LabelGranularity): string[] {
  const ends = (side: string) => [...END_LABELS.map((name) => `${side}_${name}`), ...(granularity === 'pod' ? [`${side}_pod`] : [])];
  return [...ends('src'), ...ends('dst'), 'dst_service', 'protocol', 'dst_port_class', 'src_zone', 'dst_zone'];
}

/** What an external end is grouped by, with the details an info series shows. */
export interface ExternalPeer {
  name: string;
  country: string;
  city: string;
  asn: string;
  org: string;
  latitude: string;
  longitude: string;
}

/** One side of an EnrichedFlow, read through field names chosen once. */
interface SideFields {
  type: 'src_object_type' | 'dst_object_type';
  name: 'src_object_name' | 'dst_object_name';
  namespace: 'src_object_namespace' | 'dst_object_namespace';
  node: 'src_node' | 'dst_node';
  workloadName: 'src_workload_name' | 'dst_workload_name';
  workloadNamespace: 'src_workload_namespace' | 'dst_workload_namespace';
  workloadKind: 'src_workload_kind' | 'dst_workload_kind';
  country: 'src_geo_country' | 'dst_geo_country';
  city: 'src_geo_city' | 'dst_geo_city';
  asn: 'src_asn' | 'dst_asn';
  org: 'src_asn_org' | 'dst_asn_org';
  latitude: 'src_geo_latitude' | 'dst_geo_latitude';
  longitude: 'src_geo_longitude' | 'dst_geo_longitude';
}

const sideFields = (side: 'src' | 'dst'): SideFields => ({
  type: `${side}_object_type`,
  name: `${side}_object_name`,
  namespace: `${side}_object_namespace`,
  node: `${side}_node`,
  workloadName: `${side}_workload_name`,
  workloadNamespace: `${side}_workload_namespace`,
  workloadKind: `${side}_workload_kind`,
  country: `${side}_geo_country`,
  city: `${side}_geo_city`,
  asn: `${side}_asn`,
  org: `${side}_asn_org`,
  latitude: `${side}_geo_latitude`,
  longitude: `${side}_geo_longitude`,
});
const SRC = sideFields('src');
const DST = sideFields('dst');

const PROTOCOL_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp' };

export interface PairLabellerSettings {
  granularity: LabelGranularity;
  portClasses: readonly string[];
  externalGrouping: ExternalGrouping;
}

export class PairLabeller {
  readonly names: readonly string[];
  private readonly portClasses: Set<number>;
  private readonly withPods: boolean;

  constructor(private readonly settings: PairLabellerSettings) {
    this.names = pairLabelNames(settings.granularity);
    this.portClasses = new Set(settings.portClasses.map(Number));
    this.withPods = settings.granularity === 'pod';
  }

  /** The pair's label values, in the order of `names`. */
  values(flow: EnrichedFlow): string[] {
    const values: string[] = [];
    this.pushEnd(values, flow, SRC);
    this.pushEnd(values, flow, DST);
    values.push(
      // Only a Service the client dialled (service_addr set): the enricher also names a Service routing to the server pod.
      flow.service_addr !== null ? (flow.service_name ?? '') : '',
      PROTOCOL_NAMES[flow.protocol] ?? String(flow.protocol),
      this.portClasses.has(flow.dst_port) ? String(flow.dst_port) : 'other',
      flow.src_zone ?? '',
      flow.dst_zone ?? '',
    );
    return values;
  }

  /** The external ends of a flow, with their GeoIP details (empty when both ends are inside). */
  externalPeers(flow: EnrichedFlow): ExternalPeer[] {
    const peers: ExternalPeer[] = [];
    if (flow.src_object_type === 'external') peers.push(this.peer(flow, SRC));
    if (flow.dst_object_type === 'external') peers.push(this.peer(flow, DST));
    return peers;
  }

  private pushEnd(values: string[], flow: EnrichedFlow, side: SideFields): void {
    const type = flow[side.type];
    const pod = type === 'pod' ? (flow[side.name] ?? '') : '';
    switch (type) {
      case 'pod':
        values.push(
          flow[side.workloadNamespace] ?? flow[side.namespace] ?? '',
          flow[side.workloadKind] ?? 'Pod',
          this.settings.granularity === 'namespace' ? '' : (flow[side.workloadName] ?? pod),
        );
        break;
      case 'node':
        values.push('', 'node', flow[side.node] ?? flow[side.name] ?? '');
        break;
      case 'service':
        values.push(flow[side.namespace] ?? '', 'service', flow[side.name] ?? '');
        break;
      case 'external':
        values.push('', 'external', this.externalName(flow, side));
        break;
      default:
        values.push('', 'unknown', '');
    }
    if (this.withPods) values.push(pod);
  }

  private externalName(flow: EnrichedFlow, side: SideFields): string {
    const country = flow[side.country];
    switch (this.settings.externalGrouping) {
      case 'asn': {
        const asn = flow[side.asn];
        return asn !== null ? `AS${asn}` : (country ?? 'unknown');
      }
      case 'country':
        return country ?? 'unknown';
      case 'city':
        return `${country ?? 'unknown'}/${flow[side.city] ?? 'unknown'}`;
    }
  }

  private peer(flow: EnrichedFlow, side: SideFields): ExternalPeer {
    const asn = flow[side.asn];
    const latitude = flow[side.latitude];
    const longitude = flow[side.longitude];
    return {
      name: this.externalName(flow, side),
      country: flow[side.country] ?? '',
      city: flow[side.city] ?? '',
      asn: asn === null ? '' : String(asn),
      org: flow[side.org] ?? '',
      latitude: latitude === null ? '' : String(latitude),
      longitude: longitude === null ? '' : String(longitude),
    };
  }
}
