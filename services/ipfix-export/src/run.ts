/** Wires ipfix-export from its config: templates, record writer, one collector per --collector, and the shared sink loop. */
import {
  defineServiceCommand,
  kafkaConnectionProblems,
  runServiceCommand,
  startSink,
  type RunningService,
  type ServiceContext,
  type ServiceHandle,
} from '@flowmesh/lib';
import { parseCollector, type Collector, type CollectorAddress, type CollectorEvents } from './collectors/collector.js';
import { TcpCollector } from './collectors/tcp-collector.js';
import { UdpCollector } from './collectors/udp-collector.js';
import { ExportProcessor } from './export-processor.js';
import { maxRecordBytes } from './ipfix/limits.js';
import { MessagePacker } from './ipfix/message-packer.js';
import { RecordWriter } from './ipfix/record-writer.js';
import { buildTemplates, type Template } from './ipfix/templates.js';
import { collectorEventsFor, ipfixMetrics } from './metrics.js';
import { ipfixExportConfigProblems, ipfixExportOptions, type IpfixExportConfig } from './options.js';

export interface IpfixExportHooks {
  /** Hears every exported batch's size (benchmarks). */
  onExported?(records: number): void;
}

export async function startIpfixExport(context: ServiceContext, config: IpfixExportConfig, hooks: IpfixExportHooks = {}): Promise<RunningService> {
  const { logger, registry } = context;
  const templates = buildTemplates(config.enterpriseNumber);
  let collectors: Collector[] = [];
  const metrics = ipfixMetrics(registry, () => collectors);
  const events = collectorEventsFor(metrics, logger);
  const addresses = config.collector.map((url) => parseCollector(url) as CollectorAddress);
  collectors = addresses.map((address) => createCollector(address, config, templates, events));
  const writer = new RecordWriter(templates, maxRecordBytes(config.mtu), () => metrics.recordsTruncated.inc());

  const stage = await startSink(context, config, {
    stage: 'ipfix-export',
    inputTopic: config.inputTopic,
    inputRecord: 'EnrichedFlow',
    // Records complete when a collector has them out, often after their batch returned: the tick commits them.
    tickMs: 500,
    createProcessor: () =>
      new ExportProcessor({ writer, collectors, metrics, logger, maxPendingRecords: config.maxPendingRecords, ...(hooks.onExported ? { onExported: hooks.onExported } : {}) }),
    async onStopped() {
      await Promise.all(collectors.map((collector) => collector.close()));
    },
  });
  logger.info(
    { inputTopic: config.inputTopic, collectors: config.collector, enterpriseNumber: config.enterpriseNumber, observationDomainId: config.observationDomainId, mtu: config.mtu },
    'ipfix-export running',
  );
  return stage;
}

function createCollector(address: CollectorAddress, config: IpfixExportConfig, templates: readonly Template[], events: CollectorEvents): Collector {
  // Each collector is its own transport session, with its own sequence numbers.
  const packer = new MessagePacker({ observationDomainId: config.observationDomainId, maxMessageBytes: config.mtu, templates });
  if (address.transport === 'udp') {
    return new UdpCollector(address, packer, events, { templateRefreshMs: config.templateRefreshSeconds * 1000, templateRefreshMessages: config.templateRefreshMessages });
  }
  return new TcpCollector(address, packer, events, {
    backoffInitialMs: config.tcpBackoffInitialMs,
    backoffMaxMs: config.tcpBackoffMaxMs,
    connectTimeoutMs: config.tcpConnectTimeoutMs,
    replayBytes: config.tcpReplayBytes,
  });
}

/** `flowmesh ipfix-export`, as the CLI registers it: name, options, validation, start. */
export const ipfixExportCommand = defineServiceCommand({
  name: 'ipfix-export',
  summary: 'Send every enriched flow to IPFIX collectors over UDP or TCP, with Kubernetes and process context as enterprise elements (flowmesh.flows.v1 -> IPFIX).',
  options: ipfixExportOptions,
  validate: (config) => [...kafkaConnectionProblems(config), ...ipfixExportConfigProblems(config)],
  start: (context, config) => startIpfixExport(context, config),
});

/** Runs ipfix-export from parsed options until SIGTERM/SIGINT (or `shutdown()` on the handle). */
export function runIpfixExport(config: IpfixExportConfig, options: { installSignalHandlers?: boolean; hooks?: IpfixExportHooks } = {}): Promise<ServiceHandle> {
  const { hooks } = options;
  const command = hooks ? { ...ipfixExportCommand, start: (context: ServiceContext, c: IpfixExportConfig) => startIpfixExport(context, c, hooks) } : ipfixExportCommand;
  return runServiceCommand(command, config, options);
}
