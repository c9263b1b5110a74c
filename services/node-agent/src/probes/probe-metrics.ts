/**
 * The probe metrics: kconmon's names, types and labels (so its dashboards and
 * its TCPInterZoneTestFailure alert work unchanged), plus flowmesh's own
 * histograms of the same round trips for percentiles and the peer states.
 * docs/probes.md lists them.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProbeEvent } from './probe-events.js';
import type { PeerSelection } from './peers.js';
import { udpFigures } from './udp-probe.js';

const PAIR = ['source', 'destination', 'source_zone', 'destination_zone'] as const;
const RTT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

type PairLabels = Record<(typeof PAIR)[number], string>;

export function probeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    udpDuration: new Gauge({ name: 'kconmon_udp_duration_milliseconds', help: 'UDP test: mean round trip of the packets answered in the last test.', labelNames: PAIR, registers }),
    udpVariance: new Gauge({ name: 'kconmon_udp_duration_variance_milliseconds', help: 'UDP test: slowest minus fastest answered packet in the last test.', labelNames: PAIR, registers }),
    udpLoss: new Gauge({ name: 'kconmon_udp_loss', help: 'UDP test: percentage of the last test\'s packets that got no answer in time.', labelNames: PAIR, registers }),
    udpResults: new Counter({ name: 'kconmon_udp_results_total', help: 'UDP tests by result (fail: at least one packet lost).', labelNames: [...PAIR, 'result'], registers }),
    tcpConnect: new Gauge({ name: 'kconmon_tcp_connect_milliseconds', help: 'TCP test: time to establish the connection in the last test.', labelNames: PAIR, registers }),
    tcpDuration: new Gauge({ name: 'kconmon_tcp_duration_milliseconds', help: 'TCP test: connect plus HTTP GET until the whole answer was in, last test.', labelNames: PAIR, registers }),
    tcpResults: new Counter({ name: 'kconmon_tcp_results_total', help: 'TCP tests by result.', labelNames: [...PAIR, 'result'], registers }),
    dnsDuration: new Gauge({ name: 'kconmon_dns_duration_milliseconds', help: 'DNS test: duration of the last lookup of host at the resolver (destination).', labelNames: ['source', 'source_zone', 'destination', 'host'], registers }),
    dnsResults: new Counter({ name: 'kconmon_dns_results_total', help: 'DNS tests by result (fail: error, timeout or no address).', labelNames: ['source', 'source_zone', 'destination', 'host', 'result'], registers }),
    roundTrip: new Histogram({
      name: 'flowmesh_probe_round_trip_seconds',
      help: 'Probe round trips for percentiles: test=udp (each answered packet), tcp_connect, tcp_total (each passed test).',
      labelNames: [...PAIR, 'test'],
      buckets: RTT_BUCKETS,
      registers,
    }),
    udpPackets: new Counter({ name: 'flowmesh_probe_udp_packets_total', help: 'UDP probe packets by result (answered, lost): loss over any range is lost / (answered + lost).', labelNames: [...PAIR, 'result'], registers }),
    dnsSeconds: new Histogram({ name: 'flowmesh_probe_dns_duration_seconds', help: 'DNS test durations for percentiles.', labelNames: ['destination', 'host', 'result'], buckets: RTT_BUCKETS, registers }),
    peers: new Gauge({ name: 'flowmesh_probe_peers', help: 'Other nodes in the view, by state: probed, or skipped as agent_missing, agent_not_ready, node_deleting.', labelNames: ['state'], registers }),
    peerSkipped: new Gauge({ name: 'flowmesh_probe_peer_skipped', help: '1 for each node in the view that is not probed, with the reason (not a failure: nothing answers there).', labelNames: ['destination', 'destination_zone', 'reason'], registers }),
    roundSeconds: new Histogram({ name: 'flowmesh_probe_round_duration_seconds', help: 'Time one probe round took (all tests of all peers).', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
  };
}

export type ProbeMetrics = ReturnType<typeof probeMetrics>;

/** Applies what the probe process reports to the metrics; series of nodes that left the view are removed. */
export class ProbeMetricsRecorder {
  private pairs = new Map<string, PairLabels>();
  private skipped: Record<string, string>[] = [];

  constructor(private readonly metrics: ProbeMetrics) {}

  record(event: ProbeEvent): void {
    const m = this.metrics;
    if (event.type === 'udp' || event.type === 'tcp') {
      const pair = this.pair(event.source, event.destination);
      if (event.type === 'udp') {
        const figures = udpFigures(event.result);
        m.udpResults.inc({ ...pair, result: event.result.lost ? 'fail' : 'pass' });
        m.udpPackets.inc({ ...pair, result: 'answered' }, event.result.rttsMs.length);
        m.udpPackets.inc({ ...pair, result: 'lost' }, event.result.lost);
        m.udpLoss.set(pair, (100 * event.result.lost) / event.result.sent);
        if (figures) {
          m.udpDuration.set(pair, figures.averageMs);
          m.udpVariance.set(pair, figures.varianceMs);
        }
        for (const rtt of event.result.rttsMs) m.roundTrip.observe({ ...pair, test: 'udp' }, rtt / 1000);
      } else {
        const { ok, connectMs, totalMs } = event.result;
        m.tcpResults.inc({ ...pair, result: ok ? 'pass' : 'fail' });
        if (ok && connectMs !== null && totalMs !== null) {
          m.tcpConnect.set(pair, connectMs);
          m.tcpDuration.set(pair, totalMs);
          m.roundTrip.observe({ ...pair, test: 'tcp_connect' }, connectMs / 1000);
          m.roundTrip.observe({ ...pair, test: 'tcp_total' }, totalMs / 1000);
        }
      }
    } else if (event.type === 'dns') {
      const labels = { source: event.source.node, source_zone: event.source.zone, destination: event.resolver, host: event.name };
      const result = event.result.ok ? 'pass' : 'fail';
      m.dnsResults.inc({ ...labels, result });
      m.dnsDuration.set(labels, event.result.durationMs);
      m.dnsSeconds.observe({ destination: event.resolver, host: event.name, result }, event.result.durationMs / 1000);
    } else if (event.type === 'peers') {
      this.peersChanged(event.selection);
    } else if (event.type === 'round') {
      m.roundSeconds.observe(event.durationMs / 1000);
    }
  }

  private pair(source: { node: string; zone: string }, destination: { node: string; zone: string }): PairLabels {
    return { source: source.node, destination: destination.node, source_zone: source.zone, destination_zone: destination.zone };
  }

  private peersChanged(selection: PeerSelection): void {
    const m = this.metrics;
    const current = new Map(selection.targets.map((t) => [t.node, this.pair(selection.self, t)]));
    for (const [node, labels] of this.pairs) {
      const now = current.get(node);
      if (now && JSON.stringify(now) === JSON.stringify(labels)) continue;
      // a departed node's last figures must not linger as if current (counters stay: rate() needs them)
      for (const gauge of [m.udpDuration, m.udpVariance, m.udpLoss, m.tcpConnect, m.tcpDuration]) gauge.remove(labels);
    }
    this.pairs = current;
    for (const labels of this.skipped) m.peerSkipped.remove(labels);
    this.skipped = selection.skipped.map((s) => ({ destination: s.node, destination_zone: s.zone, reason: s.reason }));
    for (const labels of this.skipped) m.peerSkipped.set(labels, 1);
    m.peers.reset();
    m.peers.set({ state: 'probed' }, selection.targets.length);
    for (const reason of ['agent_missing', 'agent_not_ready', 'node_deleting'] as const) {
      m.peers.set({ state: reason }, selection.skipped.filter((s) => s.reason === reason).length);
    }
  }
}
