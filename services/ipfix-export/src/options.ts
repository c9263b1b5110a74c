/** ipfix-export's options: the shared groups plus its own, each with its default and doc. */
import { TOPICS, consumerOptions, defineOptions, kafkaOptions, serviceOptionsOn, type ConfigOf } from '@flowmesh/lib';
import { parseCollector } from './collectors/collector.js';
import { DOCUMENTATION_PEN } from './ipfix/elements.js';
import { MIN_MESSAGE_BYTES } from './ipfix/limits.js';

export const ipfixExportOwnOptions = defineOptions({
  inputTopic: { type: 'string', doc: 'Topic of enriched flows to export.', default: TOPICS.flows },
  collector: {
    type: 'list',
    doc: 'IPFIX collectors, udp://host:port or tcp://host:port (port 4739 when left out); comma separated or the flag repeated. Every record goes to each.',
    required: true,
  },
  enterpriseNumber: {
    type: 'int',
    doc: 'Private Enterprise Number of the flowmesh-specific elements. 32473 is RFC 5612\'s number for documentation: set your organisation\'s own (IANA assigns them for free).',
    default: DOCUMENTATION_PEN,
    min: 1,
    max: 0xffff_ffff,
  },
  observationDomainId: { type: 'int', doc: 'Observation domain id in every message header (collectors keep templates and sequence numbers per domain).', default: 1, min: 0, max: 0xffff_ffff },
  mtu: {
    type: 'int',
    doc: `Largest IPFIX message in bytes (a UDP datagram's payload); records never span messages, long strings are cut to fit. At least ${MIN_MESSAGE_BYTES}.`,
    default: 1400,
    min: MIN_MESSAGE_BYTES,
    max: 65_535,
  },
  templateRefreshSeconds: { type: 'int', doc: 'UDP: templates are sent again after this many seconds (RFC 7011 §8.4).', default: 60, min: 1 },
  templateRefreshMessages: { type: 'int', doc: 'UDP: templates are sent again after this many messages (RFC 7011 §8.4).', default: 500, min: 1 },
  tcpBackoffInitialMs: { type: 'int', doc: 'TCP: first wait before reconnecting to a collector that is away; doubles per failure, with jitter.', default: 200, min: 1 },
  tcpBackoffMaxMs: { type: 'int', doc: 'TCP: longest wait between reconnection attempts.', default: 5_000, min: 1 },
  tcpConnectTimeoutMs: { type: 'int', doc: 'TCP: how long one connection attempt may take.', default: 5_000, min: 1 },
  tcpReplayBytes: {
    type: 'int',
    doc: 'TCP: records of the last this many bytes written are sent again after a reconnect, since a collector that died may not have read them (duplicates rather than loss; 0 turns it off).',
    default: 4 * 1024 * 1024,
    min: 0,
  },
  maxPendingRecords: { type: 'int', doc: 'Records waiting for a collector (one that is away) before consumption pauses.', default: 50_000, min: 1 },
});

export const ipfixExportOptions = defineOptions({
  ...serviceOptionsOn(9405),
  ...kafkaOptions,
  ...consumerOptions,
  ...ipfixExportOwnOptions,
});

export type IpfixExportConfig = ConfigOf<typeof ipfixExportOptions>;

/** Problems that need parsing, reported with the rest of the config's. */
export function ipfixExportConfigProblems(config: IpfixExportConfig): string[] {
  const problems: string[] = [];
  if (config.collector.length === 0) problems.push('--collector: at least one collector is needed');
  for (const url of config.collector) {
    const parsed = parseCollector(url);
    if (typeof parsed === 'string') problems.push(`--collector: ${parsed}`);
  }
  if (config.tcpBackoffMaxMs < config.tcpBackoffInitialMs) problems.push('--tcp-backoff-max-ms must be at least --tcp-backoff-initial-ms');
  return problems;
}
