/**
 * Elastic Common Schema (8.x) shape. ECS has one `process`, `container`, `host`
 * and `orchestrator` per event: they describe the reporting end (the host the
 * event was observed on), and so does `kubernetes.*` (the fields Elastic's
 * Kubernetes integrations add). Both ends' context, the peer's process included,
 * is under the vendor namespace `flowmesh.src` / `flowmesh.dst`; the index
 * template in deploy/elastic maps every field this module adds beyond ECS.
 * Label keys are de-dotted, as Elastic's Kubernetes metadata does.
 */
import type { EnrichedFlow, EnrichedSide } from '@flowmesh/lib';
import { compact, directedTraffic, flowCommunityId, flowmeshFields, ipVersion, isoTime, relatedAddresses, reportingSide, sideOf, transportName, type Volume } from './flow-view.js';
import { ecsFacts, outcomeOf } from './flow-facts.js';
import { dedotLabels } from './labels.js';
import { recordId } from './record-id.js';

export const ECS_VERSION = '8.11.0';

/** Workload kinds that have a `kubernetes.<kind>.name` field in Elastic's Kubernetes metadata. */
const KUBERNETES_WORKLOAD_FIELD: Readonly<Record<string, string>> = {
  Deployment: 'deployment',
  ReplicaSet: 'replicaset',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  Job: 'job',
  CronJob: 'cronjob',
};

const NANOS_PER_MILLI = 1_000_000;

export function toEcs(flow: EnrichedFlow): Record<string, unknown> {
  const src = sideOf(flow, 'src');
  const dst = sideOf(flow, 'dst');
  const reporterSide = reportingSide(flow);
  const reporter = reporterSide === 'src' ? src : dst;
  const reporterAddress = reporterSide === 'src' ? flow.src_addr : flow.dst_addr;
  const traffic = directedTraffic(flow);
  return compact({
    '@timestamp': isoTime(flow.timestamp),
    ecs: { version: ECS_VERSION },
    event: {
      id: recordId(flow),
      kind: 'event',
      category: ['network'],
      type: ['connection', ...(flow.opened ? ['start'] : []), ...(flow.closed ? ['end'] : [])],
      start: isoTime(flow.timestamp),
      end: isoTime(flow.window_end),
      duration: (flow.window_end - flow.timestamp) * NANOS_PER_MILLI,
      dataset: 'flowmesh.flows',
      module: 'flowmesh',
      outcome: outcomeOf(flow),
    },
    source: endpoint(flow.src_addr, flow.src_port, traffic.toServer, src),
    destination: endpoint(flow.dst_addr, flow.dst_port, traffic.toClient, dst),
    network: {
      transport: transportName(flow.protocol),
      iana_number: String(flow.protocol),
      type: `ipv${ipVersion(flow.src_addr)}`,
      bytes: flow.out_bytes + flow.in_bytes,
      packets: flow.out_pkts + flow.in_pkts,
      // Host-centric direction, as seen by the reporting end.
      direction: flow.vantage === 'SRC' ? 'egress' : 'ingress',
      community_id: flowCommunityId(flow),
    },
    related: {
      ip: relatedAddresses(flow),
      hosts: [...new Set([src.node, dst.node].filter((node): node is string => node !== null))],
    },
    ...ecsFacts(flow),
    process: ecsProcess(reporter),
    container: { id: reporter.container_id, name: reporter.container_name },
    host: { name: flow.reporter_node },
    cloud: { availability_zone: reporter.zone },
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
    kubernetes: reporter.object_type === 'pod' ? kubernetesPod(reporter, reporterAddress) : { node: { name: reporter.node } },
    flowmesh: {
      ...flowmeshFields(flow),
      src: sideContext(src, null),
      dst: sideContext(dst, { name: flow.service_name, namespace: flow.service_namespace, address: flow.service_addr, port: flow.service_port }),
    },
  });
}

function endpoint(ip: string, port: number, sent: Volume, side: EnrichedSide): Record<string, unknown> {
  const located = side.geo_latitude !== null && side.geo_longitude !== null;
  return {
    address: ip,
    ip,
    port,
    bytes: sent.bytes,
    packets: sent.packets,
    geo: {
      country_iso_code: side.geo_country,
      city_name: side.geo_city,
      location: located ? { lat: side.geo_latitude, lon: side.geo_longitude } : null,
    },
    as: { number: side.asn, organization: { name: side.asn_org } },
  };
}

function ecsProcess(side: EnrichedSide): Record<string, unknown> {
  return { pid: side.process_pid, name: side.process_name, command_line: side.process_cmdline };
}

/** The reporting pod as Elastic's Kubernetes metadata describes it. */
function kubernetesPod(side: EnrichedSide, address: string): Record<string, unknown> {
  const workload = side.workload_kind ? KUBERNETES_WORKLOAD_FIELD[side.workload_kind] : undefined;
  return {
    pod: { name: side.object_name, ip: address },
    namespace: side.object_namespace,
    node: { name: side.node },
    container: { name: side.container_name },
    labels: dedotLabels(side.labels),
    ...(workload ? { [workload]: { name: side.workload_name } } : {}),
  };
}

interface ServiceContext {
  name: string | null;
  namespace: string | null;
  address: string | null;
  port: number | null;
}

/** One end's Kubernetes and process context (`flowmesh.src` / `flowmesh.dst`). */
function sideContext(side: EnrichedSide, service: ServiceContext | null): Record<string, unknown> {
  return {
    object: { type: side.object_type, name: side.object_name, namespace: side.object_namespace },
    workload: { kind: side.workload_kind, name: side.workload_name, namespace: side.workload_namespace },
    service,
    container: { id: side.container_id, name: side.container_name },
    node: side.node,
    zone: side.zone,
    labels: dedotLabels(side.labels),
    process: ecsProcess(side),
  };
}
