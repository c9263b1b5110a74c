/** What the edge detail lists of one enriched flow record: both ends' process, container and pod, volume each way. */
import type { EnrichedFlow } from '@flowmesh/lib';
import { directedVolume, type PairLabeller } from '@flowmesh/flow-metrics';
import { pairOfFlow, type Pair } from '../graph/endpoints.js';

export interface EndDetail {
  addr: string;
  port: number;
  pod: string | null;
  namespace: string | null;
  workload: string | null;
  container: string | null;
  containerId: string | null;
  node: string | null;
  processName: string | null;
  pid: number | null;
  cmdline: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
}

export interface FlowRow {
  /** Window end, ms since the epoch. */
  time: number;
  vantage: EnrichedFlow['vantage'];
  match: EnrichedFlow['match'];
  protocol: string;
  service: string | null;
  /** Client → server and server → client, whichever end reported. */
  requestBytes: number;
  responseBytes: number;
  packets: number;
  latencyMs: number | null;
  retransmits: number | null;
  synthetic: boolean;
  src: EndDetail;
  dst: EndDetail;
}

/** A row with the pair it belongs to and its ends' labels, as the window keeps it. */
export interface WindowEntry {
  row: FlowRow;
  pair: Pair;
  labels: { src: Record<string, string>; dst: Record<string, string> };
}

function endDetail(flow: EnrichedFlow, p: 'src' | 'dst'): EndDetail {
  return {
    addr: flow[`${p}_addr`],
    port: flow[`${p}_port`],
    pod: flow[`${p}_object_type`] === 'pod' ? flow[`${p}_object_name`] : null,
    namespace: flow[`${p}_object_namespace`],
    workload: flow[`${p}_workload_name`],
    container: flow[`${p}_container_name`],
    containerId: flow[`${p}_container_id`],
    node: flow[`${p}_node`],
    processName: flow[`${p}_process_name`],
    pid: flow[`${p}_process_pid`],
    cmdline: flow[`${p}_process_cmdline`],
    country: flow[`${p}_geo_country`],
    asn: flow[`${p}_asn`],
    org: flow[`${p}_asn_org`],
  };
}

export function windowEntry(flow: EnrichedFlow, labeller: PairLabeller): WindowEntry {
  const pair = pairOfFlow(flow, labeller);
  const volume = directedVolume(flow);
  const row: FlowRow = {
    time: flow.window_end,
    vantage: flow.vantage,
    match: flow.match,
    protocol: pair.protocol,
    service: flow.service_name ? `${flow.service_namespace ?? ''}/${flow.service_name}` : null,
    requestBytes: volume.requestBytes,
    responseBytes: volume.responseBytes,
    packets: volume.requestPackets + volume.responsePackets,
    latencyMs: flow.latency_ms,
    retransmits: flow.retransmits,
    synthetic: flow.synthetic,
    src: endDetail(flow, 'src'),
    dst: endDetail(flow, 'dst'),
  };
  return { row, pair, labels: { src: flow.src_labels, dst: flow.dst_labels } };
}
