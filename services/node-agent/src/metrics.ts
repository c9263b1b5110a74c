/** The node agent's metrics, declared once (docs: docs/probe.md, "Metrics"). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function agentMetrics(registry: Registry) {
  const registers = [registry];
  return {
    conversationsTracked: new Gauge({
      name: 'flowmesh_agent_conversations_tracked',
      help: 'Conversations the source is tracking after the last window (kernel map entries for eBPF), by protocol.',
      labelNames: ['protocol'],
      registers,
    }),
    halvesPublished: new Counter({ name: 'flowmesh_agent_halves_published_total', help: 'Flow halves acknowledged by Kafka, by protocol and vantage.', labelNames: ['protocol', 'vantage'], registers }),
    publishErrors: new Counter({ name: 'flowmesh_agent_publish_errors_total', help: 'Failed produce requests (the halves are retried with the next window).', registers }),
    halvesDropped: new Counter({ name: 'flowmesh_agent_halves_dropped_total', help: 'Halves given up: the publish buffer overflowed while Kafka was unavailable.', registers }),
    publishBuffered: new Gauge({ name: 'flowmesh_agent_publish_buffered_halves', help: 'Halves waiting for Kafka (not yet acknowledged).', registers }),
    mapFullDrops: new Counter({
      name: 'flowmesh_agent_map_full_drops_total',
      help: 'What the probe could not track because a kernel map was full: new TCP sockets (map=tcp) or UDP datagrams (map=udp).',
      labelNames: ['map'],
      registers,
    }),
    probeEvents: new Counter({
      name: 'flowmesh_agent_probe_events_total',
      help: 'Probe counters (udp_peer_unknown, tcp_vanished, tcp_opened, tcp_closed, udp_evicted).',
      labelNames: ['event'],
      registers,
    }),
    drainSeconds: new Histogram({
      name: 'flowmesh_agent_drain_duration_seconds',
      help: 'Time to collect one window: probe drain, deltas, process lookups, building halves.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    windows: new Counter({ name: 'flowmesh_agent_windows_total', help: 'Export windows collected and queued for Kafka.', registers }),
    windowsSkipped: new Counter({ name: 'flowmesh_agent_windows_skipped_total', help: 'Window boundaries missed (event loop stalled); their traffic went into the next window.', registers }),
    probeRestarts: new Counter({ name: 'flowmesh_agent_probe_restarts_total', help: 'Times the flowprobe loader had to be restarted.', registers }),
    processLookups: new Counter({ name: 'flowmesh_agent_process_lookups_total', help: 'Process context lookups, by result (cached, proc, exited).', labelNames: ['result'], registers }),
  };
}

export type AgentMetrics = ReturnType<typeof agentMetrics>;
