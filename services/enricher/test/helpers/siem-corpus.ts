/**
 * Enriched flows a SIEM sees from a real cluster: both vantages, every match
 * outcome, TCP and UDP, IPv4 and IPv6, external ends with geo, node and Service
 * ends, and the labels Kubernetes, Helm and the common controllers put on pods
 * and nodes (the dotted `app.kubernetes.io/*` keys beside a plain `app`).
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import { sampleEnriched } from '@flowmesh/lib/testing';

export const COMMON_POD_LABELS: Record<string, string> = {
  app: 'web',
  'app.kubernetes.io/name': 'web',
  'app.kubernetes.io/instance': 'web-prod',
  'app.kubernetes.io/version': '1.4.2',
  'app.kubernetes.io/component': 'frontend',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/managed-by': 'Helm',
  'helm.sh/chart': 'web-1.4.2',
  'pod-template-hash': '5c6b8d9f7',
  tier: 'frontend',
  version: 'v1',
  release: 'web-prod',
  'security.istio.io/tlsMode': 'istio',
  'service.istio.io/canonical-name': 'web',
};

const STATEFULSET_LABELS: Record<string, string> = {
  app: 'queue',
  'app.kubernetes.io/name': 'queue',
  'statefulset.kubernetes.io/pod-name': 'queue-0',
  'controller-revision-hash': 'queue-7f9c',
  'apps.kubernetes.io/pod-index': '0',
};

const JOB_LABELS: Record<string, string> = {
  'batch.kubernetes.io/job-name': 'report-28512340',
  'job-name': 'report-28512340',
  'batch.kubernetes.io/controller-uid': '3f1c7a52-9d1e-4c4e-9a55-0b7f4f3b2a10',
  'controller-uid': '3f1c7a52-9d1e-4c4e-9a55-0b7f4f3b2a10',
  app: 'report',
};

const NODE_LABELS: Record<string, string> = {
  'kubernetes.io/hostname': 'node-a',
  'kubernetes.io/os': 'linux',
  'kubernetes.io/arch': 'amd64',
  'node-role.kubernetes.io/control-plane': '',
  'topology.kubernetes.io/zone': 'zone-a',
  'topology.kubernetes.io/region': 'region-1',
  'node.kubernetes.io/instance-type': 'm5.large',
};

const EXTERNAL_END = {
  object_type: 'external', object_name: null, object_namespace: null, workload_name: null, workload_kind: null, workload_namespace: null,
  container_name: null, container_id: null, labels: {}, node: null, zone: null, process_pid: null, process_name: null, process_cmdline: null,
  geo_country: 'NL', geo_city: 'Amsterdam', asn: 64500, asn_org: 'Example Transit', geo_latitude: 52.37, geo_longitude: 4.89,
} as const;

function side(prefix: 'src' | 'dst', fields: Record<string, unknown>): Partial<EnrichedFlow> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${prefix}_${key}`, value])) as Partial<EnrichedFlow>;
}

export function siemCorpus() {
  const podLabels = side('dst', { labels: COMMON_POD_LABELS });
  const clientLabels = side('src', { labels: { ...COMMON_POD_LABELS, app: 'client', 'app.kubernetes.io/name': 'client' } });
  return {
    clientHalf: sampleEnriched({ ...podLabels, ...clientLabels, src_container_id: 'c0ffee01', src_process_cmdline: 'curl -s http://web/' }),
    serverHalf: sampleEnriched({ ...podLabels, ...clientLabels, vantage: 'DST', reporter_node: 'node-b', out_bytes: 48_000, in_bytes: 1200, dst_container_id: 'c0ffee02', src_process_cmdline: 'curl -s http://web/' }),
    openedAndClosed: sampleEnriched({ ...podLabels, opened: true, closed: true }),
    midConnection: sampleEnriched({ opened: false, closed: false, service_addr: null, service_port: null, service_name: null, service_namespace: null }),
    toInternet: sampleEnriched({ ...side('dst', EXTERNAL_END), dst_addr: '203.0.113.80', dst_port: 443, match: 'EXTERNAL', service_addr: null, service_port: null, service_name: null, service_namespace: null }),
    fromInternet: sampleEnriched({
      ...side('src', EXTERNAL_END), ...podLabels, src_addr: '198.51.100.23', vantage: 'DST', match: 'EXTERNAL', reporter_node: 'node-b',
      service_addr: null, service_port: null, service_name: null, service_namespace: null,
    }),
    udpIpv6PeerMissing: sampleEnriched({
      protocol: 17, src_addr: 'fd00:10:244:1::7', dst_addr: 'fd00:10:96::a', dst_port: 53, match: 'PEER_MISSING', latency_ms: null, retransmits: null,
      opened: false, closed: false, service_addr: null, service_port: null, service_name: null, service_namespace: null,
      ...side('dst', { object_type: 'service', object_name: 'kube-dns', object_namespace: 'kube-system', workload_name: null, workload_kind: null, workload_namespace: null, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }, process_pid: null, process_name: null, node: null, zone: null, container_name: null }),
    }),
    serverWithoutClientAgent: sampleEnriched({
      vantage: 'DST', match: 'PEER_MISSING', reporter_node: 'node-b', ...side('src', { process_pid: null, process_name: null, node: null }),
      ...side('dst', { labels: STATEFULSET_LABELS, workload_kind: 'StatefulSet', workload_name: 'queue', object_name: 'queue-0' }),
    }),
    jobToNode: sampleEnriched({
      ...side('src', { labels: JOB_LABELS, workload_kind: 'CronJob', workload_name: 'report', object_name: 'report-28512340-zz9' }),
      ...side('dst', { object_type: 'node', object_name: 'node-a', object_namespace: null, workload_name: null, workload_kind: null, workload_namespace: null, labels: NODE_LABELS, container_name: null }),
      dst_addr: '192.168.50.10', dst_port: 10250, service_addr: null, service_port: null, service_name: null, service_namespace: null,
    }),
    hostNetworkReporter: sampleEnriched({
      vantage: 'SRC', reporter_node: 'node-a', enrichment: 'STALE', synthetic: true,
      ...side('src', { object_type: 'node', object_name: 'node-a', object_namespace: null, workload_name: null, workload_kind: null, workload_namespace: null, labels: NODE_LABELS }),
    }),
    unknownEnds: sampleEnriched({
      enrichment: 'PARTIAL', match: 'PEER_MISSING',
      ...side('dst', { object_type: 'unknown', object_name: null, object_namespace: null, workload_name: null, workload_kind: null, workload_namespace: null, labels: {}, zone: null, node: null, process_pid: null, process_name: null, container_name: null }),
    }),
  } satisfies Record<string, EnrichedFlow>;
}
