/**
 * What each fixture flow must enrich to, checked the same way whether the view
 * is the in-memory fake or real Redis written by metadata-sync.
 */
import assert from 'node:assert/strict';
import type { EnrichedFlow } from '@flowmesh/lib';
import { CONTAINER, FLOWS } from './cluster-fixture.js';

export type ScenarioName = keyof typeof FLOWS;

/** Expected fields (a subset of the record) per scenario; `geo` ones only when a GeoIP database is configured. */
export const EXPECTED: Record<ScenarioName, Partial<EnrichedFlow>> = {
  podToPod: {
    enrichment: 'OK',
    src_object_type: 'pod', src_object_name: 'client-7d9f-x2', src_object_namespace: 'shop', src_container_name: 'curl',
    src_workload_kind: 'Deployment', src_workload_name: 'client', src_workload_namespace: 'shop', src_labels: { app: 'client' },
    src_node: 'node-a', src_process_pid: 4242, src_process_name: 'curl', src_process_cmdline: 'curl web', src_container_id: CONTAINER.client,
    dst_object_type: 'pod', dst_object_name: 'web-5c6b-q8', dst_container_name: 'nginx', dst_workload_name: 'web',
    dst_labels: { app: 'web', tier: 'frontend' }, dst_node: 'node-b', dst_process_name: 'nginx',
    // Not dialled through the VIP, but the Service routes to the server pod.
    service_addr: null, service_name: 'web', service_namespace: 'shop',
  },
  podToServiceVip: {
    enrichment: 'OK',
    src_object_name: 'client-7d9f-x2',
    dst_object_type: 'service', dst_object_name: 'web', dst_object_namespace: 'shop', dst_labels: { app: 'web' }, dst_workload_name: null,
    service_addr: '10.96.0.20', service_port: 80, service_name: 'web', service_namespace: 'shop',
  },
  podViaService: {
    enrichment: 'OK',
    dst_object_type: 'pod', dst_object_name: 'web-5c6b-q8', service_name: 'web', service_namespace: 'shop',
  },
  hostNetworkPod: {
    enrichment: 'OK',
    src_object_type: 'pod', src_object_name: 'node-exporter-abcde', src_object_namespace: 'monitoring', src_container_name: 'exporter',
    src_workload_kind: 'DaemonSet', src_workload_name: 'node-exporter', src_node: 'node-a',
  },
  nodeToPod: {
    enrichment: 'OK',
    src_object_type: 'node', src_object_name: 'node-a', src_object_namespace: null, src_node: 'node-a',
    src_labels: { 'topology.kubernetes.io/zone': 'zone-a' }, src_workload_name: null, src_process_name: 'kubelet',
  },
  podToExternal: {
    enrichment: 'OK',
    src_object_type: 'pod', dst_object_type: 'external', dst_object_name: null, dst_labels: {},
  },
  reusedIpEarly: { src_object_type: 'pod', src_object_name: 'report-28512340-zz9', src_workload_kind: 'CronJob', src_workload_name: 'report' },
  reusedIpLate: { src_object_type: 'pod', src_object_name: 'queue-0', src_workload_kind: 'StatefulSet', src_workload_name: 'queue' },
  missingMetadata: {
    enrichment: 'PARTIAL',
    src_object_type: 'unknown', src_object_name: null, src_container_id: CONTAINER.unknown, src_node: 'node-b',
    dst_object_type: 'pod', dst_object_name: 'web-5c6b-q8',
  },
};

export const EXPECTED_GEO: Partial<EnrichedFlow> = { dst_geo_country: 'NL', dst_geo_city: 'Amsterdam', dst_asn: 64500, dst_asn_org: 'Example Transit' };

export function assertScenario(name: ScenarioName, flow: EnrichedFlow | undefined, extra: Partial<EnrichedFlow> = {}): void {
  assert.ok(flow, `${name}: no output`);
  const expected = { ...EXPECTED[name], ...extra };
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, (flow as unknown as Record<string, unknown>)[k]]));
  assert.deepEqual(actual, expected, `${name}`);
}

export const SCENARIO_NAMES = Object.keys(FLOWS) as ScenarioName[];
