/**
 * The traffic metrics as Prometheus sees them, read from the TrafficStore at
 * scrape (or remote-write) time. They are rendered straight to the text format
 * with each pair's label text built once: at thousands of pairs times ~28
 * series each, prom-client's per-sample label copying and escaping would make
 * a scrape take seconds. The same samples feed remote write.
 */
import type { PairTraffic, TrafficStore } from './traffic-store.js';
import { LATENCY_BUCKETS } from './traffic-store.js';

/** Receives one sample: the series name, at most one label beyond the pair's, and the value. */
type Emit = (series: string, extraName: string | null, extraValue: string, value: number) => void;

interface TrafficFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples(pair: PairTraffic, emit: Emit): void;
}

const LE = [...LATENCY_BUCKETS.map(String), '+Inf'];

function directed(name: string, request: number, response: number, emit: Emit): void {
  emit(name, 'direction', 'request', request);
  emit(name, 'direction', 'response', response);
}

const PAIR_FAMILIES: readonly TrafficFamily[] = [
  {
    name: 'flowmesh_traffic_bytes_total',
    help: 'Bytes moved between a pair, each conversation counted once (client half, else server half); direction request = client to server.',
    type: 'counter',
    samples: (pair, emit) => directed('flowmesh_traffic_bytes_total', pair.requestBytes, pair.responseBytes, emit),
  },
  {
    name: 'flowmesh_traffic_packets_total',
    help: 'Packets moved between a pair, counted once; direction request = client to server.',
    type: 'counter',
    samples: (pair, emit) => directed('flowmesh_traffic_packets_total', pair.requestPackets, pair.responsePackets, emit),
  },
  {
    name: 'flowmesh_traffic_connections_opened_total',
    help: 'Connections opened between a pair, counted once.',
    type: 'counter',
    samples: (pair, emit) => emit('flowmesh_traffic_connections_opened_total', null, '', pair.opened),
  },
  {
    name: 'flowmesh_traffic_connections_closed_total',
    help: 'Connections closed between a pair, counted once.',
    type: 'counter',
    samples: (pair, emit) => emit('flowmesh_traffic_connections_closed_total', null, '', pair.closed),
  },
  {
    name: 'flowmesh_traffic_retransmits_total',
    help: 'TCP retransmits of the counted end (the client when its half exists).',
    type: 'counter',
    samples: (pair, emit) => emit('flowmesh_traffic_retransmits_total', null, '', pair.retransmits),
  },
  {
    name: 'flowmesh_traffic_cross_zone_bytes_total',
    help: 'Bytes of pairs whose ends are in different zones (topology.kubernetes.io/zone), counted once.',
    type: 'counter',
    samples: (pair, emit) => {
      if (pair.crossZone) directed('flowmesh_traffic_cross_zone_bytes_total', pair.requestBytes, pair.responseBytes, emit);
    },
  },
  {
    name: 'flowmesh_traffic_latency_seconds',
    help: 'Client-side smoothed TCP round-trip time per flow record, in seconds.',
    type: 'histogram',
    samples: (pair, emit) => {
      if (pair.latencyCount === 0) return;
      let cumulative = 0;
      for (let i = 0; i < LE.length; i++) {
        cumulative += pair.latencyBuckets[i]!;
        emit('flowmesh_traffic_latency_seconds_bucket', 'le', LE[i]!, cumulative);
      }
      emit('flowmesh_traffic_latency_seconds_sum', null, '', pair.latencySum);
      emit('flowmesh_traffic_latency_seconds_count', null, '', pair.latencyCount);
    },
  },
];

const EXTERNAL_INFO = {
  name: 'flowmesh_traffic_external_info',
  help: 'GeoIP details of an external peer grouping (value 1); external matches the src_workload/dst_workload of its pairs.',
  type: 'gauge',
} as const;

/** Every traffic metric family's name (for docs checks and dashboards). */
export const TRAFFIC_METRIC_NAMES: readonly string[] = [...PAIR_FAMILIES.map((f) => f.name), EXTERNAL_INFO.name];

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',');

/** Renders and reads the store's series; `constantLabels` go on every series (the registry's default labels). */
export class TrafficExposition {
  // A pair's labels never change: their text and object are built once per pair.
  private readonly texts = new WeakMap<PairTraffic, string>();

  constructor(
    private readonly store: TrafficStore,
    private readonly labelNames: readonly string[],
    private readonly constantLabels: Record<string, string>,
  ) {}

  /** The Prometheus text format of every traffic series. */
  render(): string {
    const lines: string[] = [];
    for (const family of PAIR_FAMILIES) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const pair of this.store.allPairs()) {
        const labels = this.pairText(pair);
        family.samples(pair, (series, extraName, extraValue, value) => {
          lines.push(extraName === null ? `${series}{${labels}} ${value}` : `${series}{${labels},${extraName}="${extraValue}"} ${value}`);
        });
      }
    }
    lines.push(`# HELP ${EXTERNAL_INFO.name} ${EXTERNAL_INFO.help}`, `# TYPE ${EXTERNAL_INFO.name} ${EXTERNAL_INFO.type}`);
    for (const labels of this.peerLabels()) lines.push(`${EXTERNAL_INFO.name}{${labelText(labels)}} 1`);
    return `${lines.join('\n')}\n`;
  }

  /** Every traffic series as labels (with __name__) and value, for remote write. */
  series(): { labels: Record<string, string>; value: number }[] {
    const out: { labels: Record<string, string>; value: number }[] = [];
    for (const family of PAIR_FAMILIES) {
      for (const pair of this.store.allPairs()) {
        const labels = this.pairLabels(pair);
        family.samples(pair, (series, extraName, extraValue, value) => {
          out.push({ labels: extraName === null ? { __name__: series, ...labels } : { __name__: series, ...labels, [extraName]: extraValue }, value });
        });
      }
    }
    for (const labels of this.peerLabels()) out.push({ labels: { __name__: EXTERNAL_INFO.name, ...labels }, value: 1 });
    return out;
  }

  private pairLabels(pair: PairTraffic): Record<string, string> {
    const labels: Record<string, string> = { ...this.constantLabels };
    this.labelNames.forEach((name, i) => (labels[name] = pair.labels[i]!));
    return labels;
  }

  private pairText(pair: PairTraffic): string {
    let text = this.texts.get(pair);
    if (text === undefined) {
      text = labelText(this.pairLabels(pair));
      this.texts.set(pair, text);
    }
    return text;
  }

  private *peerLabels(): Generator<Record<string, string>> {
    for (const peer of this.store.allPeers()) {
      yield { ...this.constantLabels, external: peer.name, country: peer.country, city: peer.city, asn: peer.asn, org: peer.org, latitude: peer.latitude, longitude: peer.longitude };
    }
  }
}
