/** The ui's own metrics (records in and out of its Kafka loop are flowmesh_stream_records_{in,out}_total, stage="ui"). */
import { Gauge, Histogram, type Registry } from 'prom-client';

export function uiMetrics(registry: Registry, windowSize: () => number) {
  const registers = [registry];
  return {
    window: new Gauge({
      name: 'flowmesh_ui_recent_flows',
      help: 'Enriched flow records held in the in-memory window the edge and node details list.',
      registers,
      collect() {
        this.set(windowSize());
      },
    }),
    api: new Histogram({
      name: 'flowmesh_ui_api_request_duration_seconds',
      help: 'Time to answer an API request, by route and HTTP status (502: Prometheus failed).',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
