/**
 * The traffic metrics as Prometheus sees them, read from the TrafficStore at
 * scrape time. They are registered as custom collectors: keeping the sums in
 * plain fields and labelling only at scrape costs far less per record than a
 * labelled prom-client counter (which hashes its labels on every increment).
 */
import type { Metric, Registry } from 'prom-client';
import { LATENCY_BUCKETS, type PairTraffic, type TrafficStore } from './traffic-store.js';

type Labels = Record<string, string | number>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface TrafficMetricSpec {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples(store: TrafficStore, labelsOf: (pair: PairTraffic) => Labels): Sample[];
}

/** `value` once per direction. */
function directed(labels: Labels, request: number, response: number): Sample[] {
  return [
    { labels: { ...labels, direction: 'request' }, value: request },
    { labels: { ...labels, direction: 'response' }, value: response },
  ];
}

function perPair(read: (pair: PairTraffic, labels: Labels) => Sample[]) {
  return (store: TrafficStore, labelsOf: (pair: PairTraffic) => Labels): Sample[] => {
    const samples: Sample[] = [];
    for (const pair of store.allPairs()) samples.push(...read(pair, labelsOf(pair)));
    return samples;
  };
}

export const TRAFFIC_METRICS: readonly TrafficMetricSpec[] = [
  {
    name: 'flowmesh_traffic_bytes_total',
    help: 'Bytes moved between a pair, each conversation counted once (client half, else server half); direction request = client to server.',
    type: 'counter',
    samples: perPair((pair, labels) => directed(labels, pair.requestBytes, pair.responseBytes)),
  },
  {
    name: 'flowmesh_traffic_packets_total',
    help: 'Packets moved between a pair, counted once; direction request = client to server.',
    type: 'counter',
    samples: perPair((pair, labels) => directed(labels, pair.requestPackets, pair.responsePackets)),
  },
  {
    name: 'flowmesh_traffic_connections_opened_total',
    help: 'Connections opened between a pair, counted once.',
    type: 'counter',
    samples: perPair((pair, labels) => [{ labels, value: pair.opened }]),
  },
  {
    name: 'flowmesh_traffic_connections_closed_total',
    help: 'Connections closed between a pair, counted once.',
    type: 'counter',
    samples: perPair((pair, labels) => [{ labels, value: pair.closed }]),
  },
  {
    name: 'flowmesh_traffic_retransmits_total',
    help: 'TCP retransmits of the counted end (the client when its half exists).',
    type: 'counter',
    samples: perPair((pair, labels) => [{ labels, value: pair.retransmits }]),
  },
  {
    name: 'flowmesh_traffic_cross_zone_bytes_total',
    help: 'Bytes of pairs whose ends are in different zones (topology.kubernetes.io/zone), counted once.',
    type: 'counter',
    samples: perPair((pair, labels) => (pair.crossZone ? directed(labels, pair.requestBytes, pair.responseBytes) : [])),
  },
  {
    name: 'flowmesh_traffic_latency_seconds',
    help: 'Client-side smoothed TCP round-trip time per flow record, in seconds.',
    type: 'histogram',
    samples: perPair((pair, labels) => {
      if (pair.latencyCount === 0) return [];
      const samples: Sample[] = [];
      let cumulative = 0;
      for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
        cumulative += pair.latencyBuckets[i]!;
        samples.push({ metricName: 'flowmesh_traffic_latency_seconds_bucket', labels: { ...labels, le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf' }, value: cumulative });
      }
      samples.push({ metricName: 'flowmesh_traffic_latency_seconds_sum', labels, value: pair.latencySum });
      samples.push({ metricName: 'flowmesh_traffic_latency_seconds_count', labels, value: pair.latencyCount });
      return samples;
    }),
  },
  {
    name: 'flowmesh_traffic_external_info',
    help: 'GeoIP details of an external peer grouping (value 1); external matches the src_workload/dst_workload of its pairs.',
    type: 'gauge',
    samples: (store) =>
      [...store.allPeers()].map((peer) => ({
        labels: { external: peer.name, country: peer.country, city: peer.city, asn: peer.asn, org: peer.org, latitude: peer.latitude, longitude: peer.longitude },
        value: 1,
      })),
  },
];

/** Registers the traffic metrics on `registry`, reading `store` at every scrape. */
export function registerTrafficMetrics(registry: Registry, store: TrafficStore, labelNames: readonly string[]): void {
  // A pair's labels never change: build the object once per pair, not per scrape.
  const labelObjects = new WeakMap<PairTraffic, Labels>();
  const labelsOf = (pair: PairTraffic): Labels => {
    let labels = labelObjects.get(pair);
    if (!labels) {
      labels = Object.fromEntries(labelNames.map((name, i) => [name, pair.labels[i]!]));
      labelObjects.set(pair, labels);
    }
    return labels;
  };
  for (const spec of TRAFFIC_METRICS) {
    const metric = {
      name: spec.name,
      help: spec.help,
      type: spec.type,
      aggregator: 'sum',
      collect: undefined,
      get: async () => ({ name: spec.name, help: spec.help, type: spec.type, aggregator: 'sum', values: spec.samples(store, labelsOf) }),
    };
    registry.registerMetric(metric as unknown as Metric);
  }
}
