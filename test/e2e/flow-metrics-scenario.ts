/**
 * The fixed scenario of the flow-metrics end-to-end test: a cluster in two
 * zones, and the flow halves its agents would report — pod to pod, pod to a
 * Service VIP (DNAT to a pod in the other zone), a client on a node without
 * agent (seen from the server only), and an external peer with GeoIP.
 */
import { NO_HALF_FACTS, flowKey, type FlowHalf } from '@flowmesh/lib';
import type { ClusterPlan } from '../../cli/src/demo/cluster-plan.js';

export const SCENARIO_PLAN: ClusterPlan = {
  clusterId: 'fm-e2e',
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
  nodes: [
    { name: 'node-a', ip: '10.250.0.1', zone: 'zone-a' },
    { name: 'node-b', ip: '10.250.0.2', zone: 'zone-b' },
    // No agent runs here: its pods' halves never arrive.
    { name: 'node-c', ip: '10.250.0.3', zone: 'zone-b' },
  ],
  pods: [
    { name: 'frontend-6c9d7b5f4-x2k8p', namespace: 'shop', node: 'node-a', ip: '10.244.1.10', deployment: 'frontend', container: 'frontend', labels: { app: 'frontend' } },
    { name: 'cache-5d8f6c7b9-q7w4z', namespace: 'shop', node: 'node-a', ip: '10.244.1.20', deployment: 'cache', container: 'cache', labels: { app: 'cache' } },
    { name: 'catalog-7f8c9d6b5-m3n9t', namespace: 'shop', node: 'node-b', ip: '10.244.2.10', deployment: 'catalog', container: 'catalog', labels: { app: 'catalog' } },
    { name: 'batch-7b9c8d-k2j4h', namespace: 'jobs', node: 'node-c', ip: '10.244.3.10', deployment: 'batch', container: 'batch', labels: { app: 'batch' } },
  ],
  services: [{ name: 'catalog', namespace: 'shop', clusterIp: '10.96.0.80', port: 80, targetPort: 8080, protocol: 'TCP', selector: { app: 'catalog' } }],
  // In the test GeoIP databases: NL, Amsterdam, AS64500 "Example Transit".
  external: { ip: '203.0.113.10', name: 'api.example.net' },
};

export interface ScenarioConversation {
  what: string;
  src: string;
  dst: string;
  dstService: string;
  request: number;
  response: number;
  crossZone: boolean;
  /** The halves the agents report. */
  halves: (window: { start: number; end: number }) => FlowHalf[];
}

interface End {
  node: string;
  ip: string;
  port: number;
}

function half(vantage: 'SRC' | 'DST', client: End, server: End, request: number, response: number, window: { start: number; end: number }): FlowHalf {
  const reporter = vantage === 'SRC' ? client : server;
  return {
    ...NO_HALF_FACTS,
    node: reporter.node,
    vantage,
    protocol: 6,
    client_ip: client.ip,
    client_port: client.port,
    server_ip: server.ip,
    server_port: server.port,
    window_start: window.start,
    window_end: window.end,
    bytes_sent: vantage === 'SRC' ? request : response,
    bytes_received: vantage === 'SRC' ? response : request,
    packets_sent: 10,
    packets_received: 10,
    // The client waits 2 ms; the server's own RTT (90 ms) must not show as latency.
    srtt_us: vantage === 'SRC' ? 2000 : 90_000,
    retransmits: vantage === 'SRC' ? 1 : 7,
    opened: true,
    closed: true,
    pid: vantage === 'SRC' ? 100 : 200,
    process_name: vantage === 'SRC' ? 'client' : 'server',
    cmdline: vantage === 'SRC' ? 'client --fetch' : 'server --listen',
    container_id: null,
    synthetic: false,
  };
}

const frontend = (port: number): End => ({ node: 'node-a', ip: '10.244.1.10', port });

export const SCENARIO: ScenarioConversation[] = [
  {
    what: 'pod to pod, both ends reporting, same zone',
    src: 'frontend',
    dst: 'cache',
    dstService: '',
    request: 1000,
    response: 4000,
    crossZone: false,
    halves: (w) => {
      const server = { node: 'node-a', ip: '10.244.1.20', port: 6379 };
      return [half('SRC', frontend(41_001), server, 1000, 4000, w), half('DST', frontend(41_001), server, 1000, 4000, w)];
    },
  },
  {
    what: 'pod to Service VIP (DNAT to a pod in the other zone), both ends reporting',
    src: 'frontend',
    dst: 'catalog',
    dstService: 'catalog',
    request: 200,
    response: 800,
    crossZone: true,
    halves: (w) => [
      half('SRC', frontend(41_002), { node: 'node-b', ip: '10.96.0.80', port: 80 }, 200, 800, w),
      half('DST', frontend(41_002), { node: 'node-b', ip: '10.244.2.10', port: 8080 }, 200, 800, w),
    ],
  },
  {
    what: 'client on a node without agent: seen from the server only',
    src: 'batch',
    dst: 'catalog',
    dstService: '',
    request: 300,
    response: 700,
    crossZone: false,
    halves: (w) => [half('DST', { node: 'node-c', ip: '10.244.3.10', port: 41_003 }, { node: 'node-b', ip: '10.244.2.10', port: 8080 }, 300, 700, w)],
  },
  {
    what: 'pod to an external peer',
    src: 'frontend',
    dst: 'AS64500',
    dstService: '',
    request: 50,
    response: 60,
    crossZone: false,
    halves: (w) => [half('SRC', frontend(41_004), { node: '', ip: '203.0.113.10', port: 443 }, 50, 60, w)],
  },
];

export function scenarioHalves(window: { start: number; end: number }): { key: string; half: FlowHalf }[] {
  return SCENARIO.flatMap((c) => c.halves(window)).map((h) => ({ key: flowKey(h.protocol, h.client_ip, h.client_port), half: h }));
}
