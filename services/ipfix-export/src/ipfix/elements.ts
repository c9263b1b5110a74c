/**
 * The information elements an exported flow carries: IANA elements (RFC 7012,
 * the IANA IPFIX registry) wherever one means what the field means, RFC 5103
 * reverse elements for the server→client direction, and enterprise-specific
 * elements under the configured Private Enterprise Number for the rest.
 *
 * This table is the single source: the templates, the record writer, the
 * element files collectors load (CSV, XML, pmacct) and docs/ipfix.md all come
 * from it, so they cannot drift apart.
 */
import type { EnrichedFlow } from '@flowmesh/lib';

/** IANA abstract data types (RFC 7011 §6.1) the elements use. */
export type ElementType =
  | 'unsigned8'
  | 'unsigned16'
  | 'unsigned32'
  | 'unsigned64'
  | 'float64'
  | 'ipv4Address'
  | 'ipv6Address'
  | 'dateTimeMilliseconds'
  | 'string';

/** Where an element's number lives: IANA's registry, RFC 5103's reverse PEN, or ours. */
export type ElementScope = 'iana' | 'reverse' | 'enterprise';

/** RFC 5103 §6.1: reverse information elements are IANA ids under this PEN. */
export const REVERSE_PEN = 29305;
/** RFC 5612's number reserved for documentation: the default until an operator sets their own. */
export const DOCUMENTATION_PEN = 32473;
/** RFC 7011 §7: a field length of 65535 in a template means variable length. */
export const VARIABLE_LENGTH = 65535;

export const FIXED_LENGTH: Record<Exclude<ElementType, 'string'>, number> = {
  unsigned8: 1,
  unsigned16: 2,
  unsigned32: 4,
  unsigned64: 8,
  float64: 8,
  ipv4Address: 4,
  ipv6Address: 16,
  dateTimeMilliseconds: 8,
};

/** Which templates an element appears in. */
export type Family = 'ipv4' | 'ipv6' | 'both';

interface ElementBase {
  name: string;
  id: number;
  scope: ElementScope;
  family: Family;
  /** What the value means, for the docs and the element files. */
  doc: string;
  /** The EnrichedFlow field(s) it comes from. */
  source: string;
}
export interface NumberElement extends ElementBase {
  type: Exclude<ElementType, 'string' | 'ipv4Address' | 'ipv6Address'>;
  value(flow: EnrichedFlow): number;
}
export interface AddressElement extends ElementBase {
  type: 'ipv4Address' | 'ipv6Address';
  /** Which end's address. */
  value(flow: EnrichedFlow): string;
}
export interface StringElement extends ElementBase {
  type: 'string';
  value(flow: EnrichedFlow): string;
}
export type Element = NumberElement | AddressElement | StringElement;

/** Bytes and packets are the reporting end's sent/received: turned into client→server and server→client. */
const fromClient = (flow: EnrichedFlow, sent: number, received: number) => (flow.vantage === 'SRC' ? sent : received);
const fromServer = (flow: EnrichedFlow, sent: number, received: number) => (flow.vantage === 'SRC' ? received : sent);

/** A map as one string: `key=value` pairs sorted by key, comma separated (collectors store strings, not maps). */
export function labelsText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  let text = '';
  for (const key of keys) text += (text ? ',' : '') + key + '=' + labels[key];
  return text;
}

const iana = (element: Omit<NumberElement, 'scope' | 'family'> & { family?: Family }): NumberElement => ({ family: 'both', scope: 'iana', ...element });
const ianaAddress = (element: Omit<AddressElement, 'scope'>): AddressElement => ({ scope: 'iana', ...element });

const IANA_ELEMENTS: Element[] = [
  ianaAddress({ name: 'sourceIPv4Address', id: 8, type: 'ipv4Address', family: 'ipv4', doc: 'Address of the client end.', source: 'src_addr', value: (f) => f.src_addr }),
  ianaAddress({ name: 'destinationIPv4Address', id: 12, type: 'ipv4Address', family: 'ipv4', doc: 'Address of the server end (the pod, after Service DNAT).', source: 'dst_addr', value: (f) => f.dst_addr }),
  ianaAddress({ name: 'sourceIPv6Address', id: 27, type: 'ipv6Address', family: 'ipv6', doc: 'Address of the client end.', source: 'src_addr', value: (f) => f.src_addr }),
  ianaAddress({ name: 'destinationIPv6Address', id: 28, type: 'ipv6Address', family: 'ipv6', doc: 'Address of the server end (the pod, after Service DNAT).', source: 'dst_addr', value: (f) => f.dst_addr }),
  iana({ name: 'sourceTransportPort', id: 7, type: 'unsigned16', doc: 'Port of the client end.', source: 'src_port', value: (f) => f.src_port }),
  iana({ name: 'destinationTransportPort', id: 11, type: 'unsigned16', doc: 'Port of the server end.', source: 'dst_port', value: (f) => f.dst_port }),
  iana({ name: 'protocolIdentifier', id: 4, type: 'unsigned8', doc: 'IP protocol number (6 TCP, 17 UDP).', source: 'protocol', value: (f) => f.protocol }),
  iana({ name: 'octetDeltaCount', id: 1, type: 'unsigned64', doc: 'Bytes from client to server in the window, as the reporting end\'s socket counted them.', source: 'out_bytes (vantage SRC) or in_bytes (DST)', value: (f) => fromClient(f, f.out_bytes, f.in_bytes) }),
  iana({ name: 'packetDeltaCount', id: 2, type: 'unsigned64', doc: 'Packets from client to server in the window.', source: 'out_pkts (vantage SRC) or in_pkts (DST)', value: (f) => fromClient(f, f.out_pkts, f.in_pkts) }),
  iana({ name: 'flowStartMilliseconds', id: 152, type: 'dateTimeMilliseconds', doc: 'Start of the export window.', source: 'timestamp', value: (f) => f.timestamp }),
  iana({ name: 'flowEndMilliseconds', id: 153, type: 'dateTimeMilliseconds', doc: 'End of the export window.', source: 'window_end', value: (f) => f.window_end }),
  iana({ name: 'flowDirection', id: 61, type: 'unsigned8', doc: 'Direction of the client→server traffic at the observation point (the reporting end\'s socket): 1 egress when the client reported, 0 ingress when the server did.', source: 'vantage', value: (f) => (f.vantage === 'SRC' ? 1 : 0) }),
  iana({ name: 'biflowDirection', id: 239, type: 'unsigned8', doc: 'RFC 5103: 1 (initiator), the source is always the end that opened the conversation.', source: '(constant)', value: () => 1 }),
  iana({ name: 'bgpSourceAsNumber', id: 16, type: 'unsigned32', doc: 'AS number of an external client end (0 when unknown or inside the cluster).', source: 'src_asn', value: (f) => f.src_asn ?? 0 }),
  iana({ name: 'bgpDestinationAsNumber', id: 17, type: 'unsigned32', doc: 'AS number of an external server end (0 when unknown or inside the cluster).', source: 'dst_asn', value: (f) => f.dst_asn ?? 0 }),
  {
    name: 'reverseOctetDeltaCount', id: 1, scope: 'reverse', family: 'both', type: 'unsigned64',
    doc: 'RFC 5103 reverse octetDeltaCount: bytes from server to client in the window.', source: 'in_bytes (vantage SRC) or out_bytes (DST)',
    value: (f) => fromServer(f, f.out_bytes, f.in_bytes),
  },
  {
    name: 'reversePacketDeltaCount', id: 2, scope: 'reverse', family: 'both', type: 'unsigned64',
    doc: 'RFC 5103 reverse packetDeltaCount: packets from server to client in the window.', source: 'in_pkts (vantage SRC) or out_pkts (DST)',
    value: (f) => fromServer(f, f.out_pkts, f.in_pkts),
  },
];

const enterprise = <E extends Omit<Element, 'scope' | 'family'>>(element: E) => ({ ...element, scope: 'enterprise', family: 'both' }) as Element;
const text = (name: string, id: number, doc: string, source: keyof EnrichedFlow) =>
  enterprise({ name, id, type: 'string', doc, source, value: (f: EnrichedFlow) => (f[source] as string | null) ?? '' });

/**
 * Flow-wide enterprise elements, ids 10-99. Ids 1 and 2 stay unused: nfacctd keys
 * enterprise fields by id alone, so they would clash with RFC 5103's reverse 1 and 2.
 */
const FLOW_ELEMENTS: Element[] = [
  text('flowmeshClusterId', 10, 'Identifier of the cluster the record comes from.', 'cluster_id'),
  text('flowmeshVantage', 11, 'Which end reported the record: SRC (client) or DST (server). Count volume once: SRC, or DST when match is not MATCHED.', 'vantage'),
  text('flowmeshMatch', 12, 'Outcome of the join: MATCHED, PEER_MISSING or EXTERNAL.', 'match'),
  text('flowmeshEnrichment', 13, 'Quality of the Kubernetes enrichment: OK, PARTIAL or STALE.', 'enrichment'),
  enterprise({ name: 'flowmeshLatencyMicroseconds', id: 14, type: 'unsigned32', doc: 'Smoothed TCP round-trip time of the reporting socket, in microseconds (0 when unknown or UDP). IANA has no RTT element.', source: 'latency_ms', value: (f: EnrichedFlow) => Math.round((f.latency_ms ?? 0) * 1000) }),
  enterprise({ name: 'flowmeshTcpRetransmits', id: 15, type: 'unsigned32', doc: 'TCP segments retransmitted by the reporting end in the window (0 for UDP). IANA has no retransmission element.', source: 'retransmits', value: (f: EnrichedFlow) => f.retransmits ?? 0 }),
  text('flowmeshReporterNode', 16, 'Node whose agent reported the record.', 'reporter_node'),
  text('flowmeshServiceName', 17, 'Kubernetes Service the client dialled, when it dialled one.', 'service_name'),
  text('flowmeshServiceNamespace', 18, 'Namespace of that Service.', 'service_namespace'),
  text('flowmeshServiceAddress', 19, 'The Service address (ClusterIP) the client dialled, before DNAT.', 'service_addr'),
  enterprise({ name: 'flowmeshServicePort', id: 20, type: 'unsigned16', doc: 'The Service port the client dialled (0 when none).', source: 'service_port', value: (f: EnrichedFlow) => f.service_port ?? 0 }),
];

/** Per-side enterprise elements: ids 100+n for the client end (src), 200+n for the server end (dst). */
const SIDE_FIELDS: { suffix: string; field: string; doc: string; type: 'string' | 'unsigned32' }[] = [
  { suffix: 'ObjectName', field: 'object_name', doc: 'Name of the object the address belongs to (pod, Service or node).', type: 'string' },
  { suffix: 'ObjectNamespace', field: 'object_namespace', doc: 'Namespace of that object.', type: 'string' },
  { suffix: 'ObjectType', field: 'object_type', doc: 'Kind of object: pod, service, node, external or unknown.', type: 'string' },
  { suffix: 'WorkloadName', field: 'workload_name', doc: 'Top owner of the pod (Deployment, StatefulSet, DaemonSet, CronJob, ...).', type: 'string' },
  { suffix: 'WorkloadNamespace', field: 'workload_namespace', doc: 'Namespace of the workload.', type: 'string' },
  { suffix: 'WorkloadKind', field: 'workload_kind', doc: 'Kind of the workload (Deployment, StatefulSet, ...).', type: 'string' },
  { suffix: 'Node', field: 'node', doc: 'Node the end runs on.', type: 'string' },
  { suffix: 'Zone', field: 'zone', doc: 'Zone of that node (topology.kubernetes.io/zone).', type: 'string' },
  { suffix: 'ContainerName', field: 'container_name', doc: 'Container of the socket, by name.', type: 'string' },
  { suffix: 'ContainerId', field: 'container_id', doc: 'Container of the socket, by runtime id.', type: 'string' },
  { suffix: 'ProcessId', field: 'process_pid', doc: 'Process id of the socket\'s owner (0 when unknown).', type: 'unsigned32' },
  { suffix: 'ProcessName', field: 'process_name', doc: 'Name of that process.', type: 'string' },
  { suffix: 'ProcessCmdline', field: 'process_cmdline', doc: 'Command line of that process, secrets redacted by the agent.', type: 'string' },
  { suffix: 'Labels', field: 'labels', doc: 'Pod labels as key=value pairs sorted by key, comma separated.', type: 'string' },
  { suffix: 'GeoCountry', field: 'geo_country', doc: 'ISO country code of an external address.', type: 'string' },
];

function sideElements(side: 'src' | 'dst', base: number, who: string): Element[] {
  return SIDE_FIELDS.map(({ suffix, field, doc, type }, index) => {
    const source = `${side}_${field}` as keyof EnrichedFlow;
    const name = `flowmesh${side === 'src' ? 'Source' : 'Destination'}${suffix}`;
    const element = { name, id: base + index, doc: `${who}: ${doc}`, source };
    if (type === 'unsigned32') return enterprise({ ...element, type, value: (f: EnrichedFlow) => (f[source] as number | null) ?? 0 });
    if (field === 'labels') return enterprise({ ...element, type, value: (f: EnrichedFlow) => labelsText(f[source] as Record<string, string>) });
    return enterprise({ ...element, type, value: (f: EnrichedFlow) => (f[source] as string | null) ?? '' });
  });
}

export const ELEMENTS: readonly Element[] = [
  ...IANA_ELEMENTS,
  ...FLOW_ELEMENTS,
  ...sideElements('src', 100, 'Client end'),
  ...sideElements('dst', 200, 'Server end'),
];

export function elementLength(element: Element): number {
  return element.type === 'string' ? VARIABLE_LENGTH : FIXED_LENGTH[element.type];
}

/** The elements of one address family's template, in record order. */
export function elementsFor(family: 'ipv4' | 'ipv6'): Element[] {
  return ELEMENTS.filter((e) => e.family === 'both' || e.family === family);
}
