/** What the page asks the graph for: a range and filters, read from (and kept in) the URL. */
export const RANGES = { '5m': 300, '1h': 3600, '24h': 86_400 } as const;
export type RangeName = keyof typeof RANGES;

export interface GraphQuery {
  range: RangeName;
  /** Keep only conversations with an end in one of these namespaces (empty: all). */
  namespaces: string[];
  /** Keep only conversations with an end whose name contains this. */
  workload: string;
  /** `tcp` or `udp`; empty: both. */
  protocol: string;
  /** A flow-metrics `dst_port_class`; empty: all. */
  port: string;
  externalOnly: boolean;
  hideProbes: boolean;
  /** Namespaces drawn as one node. */
  collapsed: string[];
  /** A map too big to draw at once is answered as its overview: every namespace collapsed but the `expanded` ones. */
  overview: boolean;
  /** Namespaces the overview shows whole. */
  expanded: string[];
}

const list = (value: string | null) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const flag = (value: string | null) => value === '1' || value === 'true';

export function parseGraphQuery(params: URLSearchParams): GraphQuery {
  const range = params.get('range') ?? '5m';
  return {
    range: range in RANGES ? (range as RangeName) : '5m',
    namespaces: list(params.get('namespace')),
    workload: (params.get('workload') ?? '').trim(),
    protocol: ['tcp', 'udp'].includes(params.get('protocol') ?? '') ? params.get('protocol')! : '',
    port: (params.get('port') ?? '').trim(),
    externalOnly: flag(params.get('external')),
    hideProbes: flag(params.get('hideProbes')),
    collapsed: list(params.get('collapse')),
    overview: flag(params.get('overview')),
    expanded: list(params.get('expand')),
  };
}
