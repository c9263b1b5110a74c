/// <reference lib="dom" />
/** The side panel: an edge's numbers and recent flows with both ends' processes, or a node's labels, pods and peers. */
import type { GraphEdge, GraphNode } from '../src/graph/build-graph.js';
import type { EndDetail, FlowRow } from '../src/recent/flow-row.js';
import type { NodeDetail } from '../src/recent/recent-flows.js';
import { bytes, el, ms, percent, rate, time } from './format.js';

function facts(pairs: [string, string][]): HTMLElement {
  const list = el('dl');
  for (const [term, value] of pairs) list.append(el('dt', {}, term), el('dd', {}, value));
  return list;
}

function endCell(end: EndDetail): HTMLElement {
  const who = end.pod ? `${end.namespace}/${end.pod}` : end.org ? `${end.org}${end.country ? ` (${end.country})` : ''}` : end.node ?? '';
  return el(
    'td',
    { class: 'proc' },
    el('b', { class: 'process-name' }, end.processName ?? '–'),
    end.pid !== null ? ` pid ${end.pid}` : '',
    el('br'),
    end.cmdline ? el('span', { class: 'cmdline' }, end.cmdline) : null,
    end.cmdline ? el('br') : null,
    end.container ? `container ${end.container}${end.containerId ? ` ${end.containerId.slice(0, 12)}` : ''}` : null,
    end.container ? el('br') : null,
    `${end.addr}:${end.port}`,
    who ? el('br') : null,
    who ? el('span', { class: 'pod' }, who) : null,
  );
}

export function renderEdge(panel: HTMLElement, edge: GraphEdge, nodes: Map<string, GraphNode>, flows: FlowRow[] | null, windowSize: number): void {
  const name = (id: string) => `${nodes.get(id)?.kind === 'service' ? 'Service ' : ''}${nodes.get(id)?.label ?? id}`;
  const rows = (flows ?? []).map((flow) =>
    el(
      'tr',
      { class: 'flow' },
      el('td', {}, time(flow.time), el('br'), flow.vantage, el('br'), flow.match),
      el('td', {}, `${flow.protocol} ${flow.src.port}→${flow.dst.port}`, flow.service ? el('br') : null, flow.service ? `via ${flow.service}` : null),
      el('td', { class: 'num' }, `→ ${bytes(flow.requestBytes)}`, el('br'), `← ${bytes(flow.responseBytes)}`),
      el('td', { class: 'num' }, ms(flow.latencyMs), el('br'), flow.retransmits === null ? '–' : `${flow.retransmits} retr`),
      endCell(flow.src),
      endCell(flow.dst),
    ),
  );
  panel.replaceChildren(
    el('h2', {}, `${name(edge.source)} → ${name(edge.target)}`),
    facts([
      ['bytes/s', `${rate(edge.bytesPerSecond)} (→ ${rate(edge.requestBytesPerSecond)}, ← ${rate(edge.responseBytesPerSecond)})`],
      ['bytes in range', bytes(edge.bytes)],
      ['bytes since start', bytes(edge.totalBytes)],
      ['connections/s', rate(edge.connectionsPerSecond, 'conn')],
      ['latency p50 / p99', `${ms(edge.latencyP50Ms)} / ${ms(edge.latencyP99Ms)}`],
      ['retransmits', percent(edge.retransmitRatio)],
      ['protocol / port', `${edge.protocols.join(', ') || '–'} / ${edge.ports.join(', ') || '–'}`],
    ]),
    el('h2', {}, flows === null ? 'recent flows: loading…' : `recent flows (${flows.length}, from the last ${windowSize} records)`),
    el(
      'table',
      { id: 'flows' },
      el('thead', {}, el('tr', {}, el('th', {}, 'time / vantage / match'), el('th', {}, 'ports'), el('th', {}, 'bytes'), el('th', {}, 'latency'), el('th', {}, 'client'), el('th', {}, 'server'))),
      el('tbody', {}, ...rows),
    ),
  );
}

export function renderNode(panel: HTMLElement, node: GraphNode | undefined, id: string, detail: NodeDetail | null, edges: GraphEdge[], nodes: Map<string, GraphNode>): void {
  const name = (peer: string) => nodes.get(peer)?.label ?? peer;
  const external = node?.external;
  const outgoing = edges.filter((e) => e.source === id);
  const incoming = edges.filter((e) => e.target === id);
  panel.replaceChildren(
    el('h2', {}, node ? `${node.kind === 'workload' ? node.workloadKind : node.kind} ${node.namespace ? `${node.namespace}/` : ''}${node.label}` : id),
    facts([
      ...(external ? ([['country', external.country], ['city', external.city], ['AS', `${external.asn} ${external.org}`]] as [string, string][]) : []),
      ['sends to', outgoing.map((e) => `${name(e.target)} ${rate(e.bytesPerSecond)}`).join(', ') || '–'],
      ['receives from', incoming.map((e) => `${name(e.source)} ${rate(e.bytesPerSecond)}`).join(', ') || '–'],
    ]),
    el('h2', {}, 'labels'),
    facts(Object.entries(detail?.labels ?? {})),
    el('h2', {}, 'pods'),
    el('ul', { id: 'pods' }, ...(detail?.pods ?? []).map((pod) => el('li', {}, pod))),
    el('h2', {}, 'processes'),
    el('ul', {}, ...(detail?.processes ?? []).map((p) => el('li', { class: 'proc' }, p))),
    el('h2', {}, `peers in the recent flows (${detail?.flows ?? 0} records)`),
    el('ul', { id: 'peers' }, ...(detail?.peers ?? []).map((p) => el('li', {}, `${p.direction === 'out' ? '→' : '←'} ${name(p.id)} (${p.flows})`))),
  );
}
