/**
 * @flowmesh/ipfix-export — sends every enriched flow (flowmesh.flows.v1) to
 * IPFIX collectors (RFC 7011) over UDP and TCP, with the Kubernetes and
 * process context as enterprise-specific elements.
 *
 * The CLI registers `ipfixExportCommand`; `runIpfixExport(config)` runs it from
 * an already parsed config until SIGTERM/SIGINT.
 */
export { ipfixExportOptions, ipfixExportOwnOptions, ipfixExportConfigProblems, type IpfixExportConfig } from './options.js';
export { ipfixExportCommand, runIpfixExport, startIpfixExport, type IpfixExportHooks } from './run.js';

// The parts, for tests, benchmarks and the element files.
export { ELEMENTS, DOCUMENTATION_PEN, REVERSE_PEN, elementsFor, elementLength, labelsText, type Element, type ElementType } from './ipfix/elements.js';
export { buildTemplates, TEMPLATE_IDS, type Template } from './ipfix/templates.js';
export { RecordWriter, type EncodedRecord } from './ipfix/record-writer.js';
export { MessagePacker, MESSAGE_HEADER_BYTES, type PackedMessage } from './ipfix/message-packer.js';
export { MIN_MESSAGE_BYTES, maxRecordBytes } from './ipfix/limits.js';
export { parseCollector, type Collector, type CollectorAddress, type CollectorEvents } from './collectors/collector.js';
export { ipfixMetrics, type IpfixMetrics } from './metrics.js';
