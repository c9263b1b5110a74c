/**
 * ipfix-export's metrics, declared once, and the collector events that feed
 * them. Records in and dead letters of the Kafka loop itself are the shared
 * flowmesh_stream_* series (label stage="ipfix-export").
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '@flowmesh/lib';
import type { Collector, CollectorEvents } from './collectors/collector.js';

/** `collectors` is read at scrape time for the pending-records gauge. */
export function ipfixMetrics(registry: Registry, collectors: () => readonly Collector[] = () => []) {
  const registers = [registry];
  const byCollector = ['collector'];
  return {
    recordsExported: new Counter({ name: 'flowmesh_ipfix_records_exported_total', help: 'Enriched flows sent to every collector (their offsets may then be committed).', registers }),
    recordsTruncated: new Counter({ name: 'flowmesh_ipfix_records_truncated_total', help: 'Records whose longest strings were cut so that the record fits one message under --mtu.', registers }),
    messagesSent: new Counter({ name: 'flowmesh_ipfix_messages_sent_total', help: 'IPFIX messages sent (UDP) or written (TCP), by collector.', labelNames: byCollector, registers }),
    bytesSent: new Counter({ name: 'flowmesh_ipfix_bytes_sent_total', help: 'Bytes of IPFIX messages sent, by collector.', labelNames: byCollector, registers }),
    templateSends: new Counter({ name: 'flowmesh_ipfix_template_sends_total', help: 'Times the templates were sent (UDP refresh, TCP connection), by collector.', labelNames: byCollector, registers }),
    sendErrors: new Counter({ name: 'flowmesh_ipfix_send_errors_total', help: 'Failed sends, lookups and connection attempts, by collector.', labelNames: byCollector, registers }),
    reconnects: new Counter({ name: 'flowmesh_ipfix_reconnects_total', help: 'TCP connections re-established after one was lost, by collector.', labelNames: byCollector, registers }),
    replayed: new Counter({ name: 'flowmesh_ipfix_replayed_records_total', help: 'Records sent again on a new TCP connection because the collector may not have read them, by collector.', labelNames: byCollector, registers }),
    collectorUp: new Gauge({ name: 'flowmesh_ipfix_collector_up', help: '1 while a TCP collector is connected, 0 while it is away.', labelNames: byCollector, registers }),
    pendingRecords: new Gauge({
      name: 'flowmesh_ipfix_pending_records',
      help: 'Records waiting to go out to a collector, by collector.',
      labelNames: byCollector,
      registers,
      collect() {
        for (const collector of collectors()) this.set({ collector: collector.address.url }, collector.pendingRecords());
      },
    }),
  };
}

export type IpfixMetrics = ReturnType<typeof ipfixMetrics>;

export function collectorEventsFor(metrics: IpfixMetrics, logger: Logger): CollectorEvents {
  return {
    messageSent(collector, bytes) {
      metrics.messagesSent.inc({ collector });
      metrics.bytesSent.inc({ collector }, bytes);
    },
    templatesSent: (collector) => metrics.templateSends.inc({ collector }),
    sendError(collector, error) {
      metrics.sendErrors.inc({ collector });
      logger.debug({ collector, err: error.message }, 'IPFIX send failed');
    },
    connected(collector, reconnect) {
      metrics.collectorUp.set({ collector }, 1);
      if (reconnect) metrics.reconnects.inc({ collector });
      logger.info({ collector, reconnect }, 'connected to IPFIX collector');
    },
    disconnected(collector, error) {
      metrics.collectorUp.set({ collector }, 0);
      metrics.sendErrors.inc({ collector });
      logger.warn({ collector, err: error?.message }, 'IPFIX collector connection lost; reconnecting');
    },
    replayed: (collector, records) => metrics.replayed.inc({ collector }, records),
  };
}
