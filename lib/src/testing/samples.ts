/** Sample records for tests, fixtures and benchmarks (deterministic). */
import type { EnrichedFlow, FlowHalf, JoinedFlow } from '../schema/types.js';

export function sampleHalf(overrides: Partial<FlowHalf> = {}): FlowHalf {
  return {
    node: 'node-a',
    vantage: 'SRC',
    protocol: 6,
    client_ip: '10.244.1.7',
    client_port: 43512,
    server_ip: '10.96.0.20',
    server_port: 80,
    window_start: 1_763_700_000_000,
    window_end: 1_763_700_010_000,
    bytes_sent: 1200,
    bytes_received: 48_000,
    packets_sent: 9,
    packets_received: 35,
    srtt_us: 412,
    retransmits: 0,
    opened: true,
    closed: false,
    pid: 4242,
    process_name: 'curl',
    cmdline: 'curl -s http://web.default.svc/ -H Authorization: ***',
    container_id: '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef12',
    synthetic: false,
    ...overrides,
  };
}

export function sampleJoined(overrides: Partial<JoinedFlow> = {}): JoinedFlow {
  const half = sampleHalf();
  return {
    half,
    match: 'MATCHED',
    src: { ip: half.client_ip, port: half.client_port, node: 'node-a', pid: 4242, process_name: 'curl', cmdline: half.cmdline, container_id: half.container_id },
    dst: { ip: '10.244.2.9', port: 8080, node: 'node-b', pid: 77, process_name: 'nginx', cmdline: 'nginx: worker process', container_id: null },
    service_ip: '10.96.0.20',
    service_port: 80,
    ...overrides,
  };
}

export function sampleEnriched(overrides: Partial<EnrichedFlow> = {}): EnrichedFlow {
  const side = (prefix: 'src' | 'dst') => ({
    [`${prefix}_process_pid`]: prefix === 'src' ? 4242 : 77,
    [`${prefix}_process_name`]: prefix === 'src' ? 'curl' : 'nginx',
    [`${prefix}_process_cmdline`]: null,
    [`${prefix}_container_id`]: null,
    [`${prefix}_node`]: prefix === 'src' ? 'node-a' : 'node-b',
    [`${prefix}_object_name`]: prefix === 'src' ? 'client-7d9f' : 'web-5c6b',
    [`${prefix}_object_namespace`]: 'default',
    [`${prefix}_object_type`]: 'pod',
    [`${prefix}_container_name`]: prefix === 'src' ? 'client' : 'web',
    [`${prefix}_workload_name`]: prefix === 'src' ? 'client' : 'web',
    [`${prefix}_workload_namespace`]: 'default',
    [`${prefix}_workload_kind`]: 'Deployment',
    [`${prefix}_labels`]: { app: prefix === 'src' ? 'client' : 'web' },
    [`${prefix}_geo_country`]: null,
    [`${prefix}_geo_city`]: null,
    [`${prefix}_asn`]: null,
    [`${prefix}_asn_org`]: null,
    [`${prefix}_zone`]: prefix === 'src' ? 'zone-a' : 'zone-b',
    [`${prefix}_geo_latitude`]: null,
    [`${prefix}_geo_longitude`]: null,
  });
  return {
    timestamp: 1_763_700_000_000,
    window_end: 1_763_700_010_000,
    vantage: 'SRC',
    match: 'MATCHED',
    protocol: 6,
    src_addr: '10.244.1.7',
    src_port: 43512,
    dst_addr: '10.244.2.9',
    dst_port: 8080,
    out_bytes: 1200,
    in_bytes: 48_000,
    out_pkts: 9,
    in_pkts: 35,
    latency_ms: 0.412,
    retransmits: 0,
    opened: true,
    closed: false,
    reporter_node: 'node-a',
    service_addr: '10.96.0.20',
    service_port: 80,
    service_name: 'web',
    service_namespace: 'default',
    cluster_id: 'demo',
    enrichment: 'OK',
    synthetic: false,
    ...side('src'),
    ...side('dst'),
    ...overrides,
  } as EnrichedFlow;
}
