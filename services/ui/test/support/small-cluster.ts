/**
 * A small cluster's conversations as enriched flow records, both vantage
 * points of each: shop/frontend calls the catalog Service, resolves names at
 * kube-system/coredns and calls an external API (AS64500, DE); default/client
 * calls default/web directly. Each round adds known bytes to every pair.
 */
import type { EnrichedFlow } from '@flowmesh/lib';
import { sampleEnriched } from '@flowmesh/lib/testing';

const pod = (p: 'src' | 'dst', namespace: string, workload: string, process: string, cmdline: string, extra: Partial<EnrichedFlow> = {}) =>
  ({
    [`${p}_object_type`]: 'pod',
    [`${p}_object_name`]: `${workload}-6c9d7b5f4-x2k8p`,
    [`${p}_object_namespace`]: namespace,
    [`${p}_workload_name`]: workload,
    [`${p}_workload_namespace`]: namespace,
    [`${p}_workload_kind`]: 'Deployment',
    [`${p}_container_name`]: workload,
    [`${p}_process_name`]: process,
    [`${p}_process_cmdline`]: cmdline,
    [`${p}_labels`]: { app: workload },
    ...extra,
  }) as Partial<EnrichedFlow>;

export interface Conversation {
  name: string;
  /** Graph ids of the edges it should draw, client → (Service →) server. */
  edges: [string, string][];
  requestBytes: number;
  responseBytes: number;
  serverProcess: string;
  clientProcess: string;
  records(round: number): EnrichedFlow[];
}

function both(base: Partial<EnrichedFlow>, request: number, response: number, round: number): EnrichedFlow[] {
  const time = Date.now();
  const common = { ...base, timestamp: time - 1000, window_end: time, src_port: 40000 + round, match: 'MATCHED' as const };
  return [
    sampleEnriched({ ...common, vantage: 'SRC', out_bytes: request, in_bytes: response, out_pkts: 4, in_pkts: 6, latency_ms: 2 + (round % 3), retransmits: round % 2 }),
    sampleEnriched({ ...common, vantage: 'DST', out_bytes: response, in_bytes: request, out_pkts: 6, in_pkts: 4, latency_ms: 0.3, retransmits: 0 }),
  ];
}

export const SMALL_CLUSTER: Conversation[] = [
  {
    name: 'frontend → catalog Service',
    edges: [
      ['workload:shop/Deployment/frontend', 'service:shop/catalog'],
      ['service:shop/catalog', 'workload:shop/Deployment/catalog'],
    ],
    requestBytes: 512,
    responseBytes: 4096,
    clientProcess: 'frontend',
    serverProcess: 'catalog-api',
    records: (round) =>
      both(
        {
          ...pod('src', 'shop', 'frontend', 'frontend', 'node /srv/frontend.js --port 3000'),
          ...pod('dst', 'shop', 'catalog', 'catalog-api', 'catalog-api --listen :8080'),
          dst_port: 8080,
          service_name: 'catalog',
          service_namespace: 'shop',
        },
        512,
        4096,
        round,
      ),
  },
  {
    name: 'frontend → coredns',
    edges: [['workload:shop/Deployment/frontend', 'workload:kube-system/Deployment/coredns']],
    requestBytes: 64,
    responseBytes: 128,
    clientProcess: 'frontend',
    serverProcess: 'coredns',
    records: (round) =>
      both(
        {
          ...pod('src', 'shop', 'frontend', 'frontend', 'node /srv/frontend.js --port 3000'),
          ...pod('dst', 'kube-system', 'coredns', 'coredns', '/coredns -conf /etc/coredns/Corefile'),
          protocol: 17,
          dst_port: 53,
          service_name: null,
          service_namespace: null,
          latency_ms: null,
        },
        64,
        128,
        round,
      ),
  },
  {
    name: 'frontend → external API',
    edges: [['workload:shop/Deployment/frontend', 'external:AS64500']],
    requestBytes: 300,
    responseBytes: 1500,
    clientProcess: 'frontend',
    serverProcess: '',
    records: (round) =>
      both(
        {
          ...pod('src', 'shop', 'frontend', 'frontend', 'node /srv/frontend.js --port 3000'),
          dst_object_type: 'external',
          dst_object_name: null,
          dst_object_namespace: null,
          dst_workload_name: null,
          dst_workload_namespace: null,
          dst_workload_kind: null,
          dst_container_name: null,
          dst_process_name: null,
          dst_process_pid: null,
          dst_node: null,
          dst_labels: {},
          dst_geo_country: 'DE',
          dst_geo_city: 'Berlin',
          dst_asn: 64500,
          dst_asn_org: 'Example Net',
          dst_addr: '203.0.113.10',
          dst_port: 443,
          service_name: null,
          service_namespace: null,
        },
        300,
        1500,
        round,
      ).slice(0, 1).map((flow) => ({ ...flow, match: 'EXTERNAL' as const })),
  },
  {
    name: 'client → web',
    edges: [['workload:default/Deployment/client', 'workload:default/Deployment/web']],
    requestBytes: 1200,
    responseBytes: 48_000,
    clientProcess: 'curl',
    serverProcess: 'nginx',
    records: (round) => both({ service_name: null, service_namespace: null }, 1200, 48_000, round),
  },
];

export function round(n: number): EnrichedFlow[] {
  return SMALL_CLUSTER.flatMap((c) => c.records(n));
}
