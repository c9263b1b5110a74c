/// <reference lib="dom" />
/**
 * The view as the URL keeps it, so a link reopens the same map: range,
 * colouring, filters, collapsed and expanded namespaces and the selected
 * edge or node. A big map opens as its overview (namespaces collapsed) unless
 * `expand=*` asks for the whole map.
 */

/** `expand=*`: the whole map, not the overview. */
export const EXPAND_ALL = '*';
export interface ViewState {
  range: string;
  color: 'latency' | 'retransmits';
  namespace: string;
  protocol: string;
  port: string;
  search: string;
  external: boolean;
  hideProbes: boolean;
  collapse: string[];
  /** Namespaces a big map's overview shows whole, or [EXPAND_ALL]. */
  expand: string[];
  /** `edge:<source>-><target>` or `node:<id>`. */
  selected: string;
}

export function readState(location: Location): ViewState {
  const p = new URLSearchParams(location.search);
  return {
    range: p.get('range') ?? '5m',
    color: p.get('color') === 'retransmits' ? 'retransmits' : 'latency',
    namespace: p.get('namespace') ?? '',
    protocol: p.get('protocol') ?? '',
    port: p.get('port') ?? '',
    search: p.get('search') ?? '',
    external: p.get('external') === '1',
    hideProbes: p.get('hideProbes') === '1',
    collapse: (p.get('collapse') ?? '').split(',').filter(Boolean),
    expand: (p.get('expand') ?? '').split(',').filter(Boolean),
    selected: p.get('selected') ?? '',
  };
}

export function writeState(state: ViewState): void {
  const p = new URLSearchParams();
  if (state.range !== '5m') p.set('range', state.range);
  if (state.color !== 'latency') p.set('color', state.color);
  for (const key of ['namespace', 'protocol', 'port', 'search', 'selected'] as const) if (state[key]) p.set(key, state[key]);
  if (state.external) p.set('external', '1');
  if (state.hideProbes) p.set('hideProbes', '1');
  if (state.collapse.length) p.set('collapse', state.collapse.join(','));
  if (state.expand.length) p.set('expand', state.expand.join(','));
  const search = p.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

/** The /api/graph query of a view (the search filters on the server too). */
export function graphQuery(state: ViewState): string {
  const p = new URLSearchParams({ range: state.range });
  if (state.namespace) p.set('namespace', state.namespace);
  if (state.protocol) p.set('protocol', state.protocol);
  if (state.port) p.set('port', state.port);
  if (state.search) p.set('workload', state.search);
  if (state.external) p.set('external', '1');
  if (state.hideProbes) p.set('hideProbes', '1');
  if (state.collapse.length) p.set('collapse', state.collapse.join(','));
  if (!state.expand.includes(EXPAND_ALL)) {
    p.set('overview', '1');
    if (state.expand.length) p.set('expand', state.expand.join(','));
  }
  return p.toString();
}

/**
 * Double-click on a namespace: on the overview it is expanded or collapsed again (the expand list), on a whole
 * map collapsed or expanded (the collapse list, as small maps always do). `collapsedNow`: it is drawn as one node.
 */
export function toggleNamespace(state: ViewState, namespace: string, overview: boolean, collapsedNow: boolean): void {
  const without = (list: string[]) => list.filter((n) => n !== namespace);
  if (!overview) state.collapse = state.collapse.includes(namespace) ? without(state.collapse) : [...state.collapse, namespace];
  else if (collapsedNow) {
    state.expand = [...without(state.expand), namespace];
    state.collapse = without(state.collapse);
  } else state.expand = without(state.expand);
}

/** Namespaces of the workloads and Services a selection (`edge:<source>-><target>` or `node:<id>`) names. */
export function selectedNamespaces(selected: string): string[] {
  const ids = selected.startsWith('edge:') ? selected.slice(5).split('->') : selected.startsWith('node:') ? [selected.slice(5)] : [];
  const namespaces = ids.map((id) => /^(?:workload|service):([^/]+)\//.exec(id)?.[1]).filter((n): n is string => Boolean(n));
  return [...new Set(namespaces)];
}
