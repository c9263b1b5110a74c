/**
 * Elastic Common Schema (8.x) shape. ECS has one `process`, `container`, `host`
 * and `orchestrator` per event: they describe the reporting end (the host the
 * event was observed on). Both ends' Kubernetes context is kept under the
 * vendor namespace `flowmesh.*`, which ECS reserves for custom fields.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { compact, directedTraffic, flowmeshExtension, isoTime, reportingSide, sideOf, transportName, type Volume } from './flow-view.js';

export const ECS_VERSION = '8.11.0';

export function toEcs(flow: EnrichedFlow): Record<string, unknown> {
  const src = sideOf(flow, 'src');
  const dst = sideOf(flow, 'dst');
  const reporter = reportingSide(flow) === 'src' ? src : dst;
  const traffic = directedTraffic(flow);
  return compact({
    '@timestamp': isoTime(flow.timestamp),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'event',
      category: ['network'],
      type: ['connection', ...(flow.opened ? ['start'] : []), ...(flow.closed ? ['end'] : [])],
      start: isoTime(flow.timestamp),
      end: isoTime(flow.window_end),
      dataset: 'flowmesh.flows',
      module: 'flowmesh',
    },
    source: endpoint(flow.src_addr, flow.src_port, traffic.toServer, src),
    destination: endpoint(flow.dst_addr, flow.dst_port, traffic.toClient, dst),
    network: {
      transport: transportName(flow.protocol),
      iana_number: String(flow.protocol),
      type: flow.src_addr.includes(':') ? 'ipv6' : 'ipv4',
      bytes: flow.out_bytes + flow.in_bytes,
      packets: flow.out_pkts + flow.in_pkts,
      // Host-centric direction, as seen by the reporting end.
      direction: flow.vantage === 'SRC' ? 'egress' : 'ingress',
    },
    process: { pid: reporter.process_pid, name: reporter.process_name, command_line: reporter.process_cmdline },
    container: { id: reporter.container_id, name: reporter.container_name },
    host: { name: flow.reporter_node },
    orchestrator: {
      type: 'kubernetes',
      cluster: { id: flow.cluster_id },
      namespace: reporter.object_namespace,
      resource: {
        type: reporter.object_type,
        name: reporter.object_name,
        parent: { type: reporter.workload_kind?.toLowerCase() ?? null },
      },
    },
    flowmesh: flowmeshExtension(flow),
  });
}

function endpoint(ip: string, port: number, sent: Volume, side: EnrichedSide): Record<string, unknown> {
  return {
    ip,
    port,
    bytes: sent.bytes,
    packets: sent.packets,
    geo: { country_iso_code: side.geo_country, city_name: side.geo_city },
    as: { number: side.asn, organization: { name: side.asn_org } },
  };
}
