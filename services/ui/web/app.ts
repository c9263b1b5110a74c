/// <reference lib="dom" />
/**
 * The page's controller: reads the view from the URL, polls /api/graph (and
 * the open detail) every refresh interval, and keeps controls, map, detail
 * panel and URL in step.
 */
import type { Graph, GraphEdge, GraphNode } from '../src/graph/build-graph.js';
import type { FlowRow } from '../src/recent/flow-row.js';
import type { NodeDetail } from '../src/recent/recent-flows.js';
import { renderEdge, renderNode } from './detail.js';
import { MapView, type RenderTiming } from './graph-view.js';
import { showOverviewNote } from './overview-note.js';
import { EXPAND_ALL, graphQuery, readState, selectedNamespaces, toggleNamespace, writeState, type ViewState } from './view-state.js';

declare global {
  interface Window {
    /** For the browser tests and the benchmark: what was drawn and how long it took. */
    flowmeshMap?: { timing: RenderTiming; refreshes: number; lastError: string; graph: Graph | null; view: MapView };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function readJson<T>(answer: Promise<Response>): Promise<T> {
  const response = await answer;
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

const getJson = <T>(path: string): Promise<T> => readJson<T>(fetch(path, { cache: 'no-store' }));

/** The graph of this view: the first one fetched early by first-graph.ts if it is the same view, else now. */
function fetchGraph(query: string): Promise<Graph> {
  const first = window.flowmeshFirstGraph;
  window.flowmeshFirstGraph = undefined;
  return first?.query === query ? readJson<Graph>(first.response) : getJson<Graph>(`api/graph?${query}`);
}

const state: ViewState = readState(location);
let graph: Graph | null = null;
let nodesById = new Map<string, GraphNode>();
const status = $('status');
const detail = $('detail');
const note = $('overview-note');
const probe = { timing: undefined as unknown as RenderTiming, refreshes: 0, lastError: '', graph: null as Graph | null, view: undefined as unknown as MapView };

const map = new MapView($('graph'), {
  edgeSelected: (edge) => select(`edge:${edge.id}`),
  nodeSelected: (id) => select(`node:${id}`),
  cleared: () => select(''),
  namespaceToggled: (namespace) => {
    toggleNamespace(state, namespace, graph?.overview !== undefined, nodesById.get(`namespace:${namespace}`)?.kind === 'namespace');
    changed();
  },
}, note);
probe.timing = map.timing;
probe.view = map;
window.flowmeshMap = probe;

function select(selected: string): void {
  state.selected = selected;
  writeState(state);
  map.select(selected.replace(/^(edge|node):/, ''));
  void showDetail();
}

async function showDetail(): Promise<void> {
  const selected = state.selected;
  if (selected.startsWith('edge:')) {
    const edge: GraphEdge | undefined = map.edge(selected.slice(5));
    if (!edge) return;
    const params = new URLSearchParams({ source: edge.source, target: edge.target, limit: '100', ...(state.hideProbes ? { hideProbes: '1' } : {}) });
    const answer = await getJson<{ flows: FlowRow[]; windowSize: number }>(`api/edge?${params}`).catch(() => null);
    if (state.selected === selected) renderEdge(detail, map.edge(edge.id) ?? edge, nodesById, answer?.flows ?? [], answer?.windowSize ?? 0);
  } else if (selected.startsWith('node:')) {
    const id = selected.slice(5);
    const answer = await getJson<NodeDetail>(`api/node?${new URLSearchParams({ id })}`).catch(() => null);
    if (state.selected === selected) renderNode(detail, nodesById.get(id), id, answer, graph?.edges ?? [], nodesById);
  }
}

function fillNamespaces(namespaces: string[]): void {
  const choice = $<HTMLSelectElement>('namespace');
  const wanted = ['', ...new Set([...namespaces, ...(state.namespace ? [state.namespace] : [])])];
  const have = Array.from(choice.options).map((o) => o.value);
  if (have.join('|') === wanted.join('|')) return;
  choice.replaceChildren(...wanted.map((ns) => new Option(ns || 'all', ns)));
  choice.value = state.namespace;
}

/**
 * A link that selects a workload, a Service or an edge between them (shared from a whole map) opens the overview
 * with their namespaces expanded, so the selection is on the map. True when that changed the view.
 */
function expandSelected(answer: Graph): boolean {
  const hidden = answer.overview ? selectedNamespaces(state.selected).filter((n) => !answer.overview!.expanded.includes(n) && !state.collapse.includes(n)) : [];
  if (!hidden.length || !hidden.some((n) => answer.namespaces.includes(n))) return false;
  state.expand = [...state.expand.filter((n) => !hidden.includes(n)), ...hidden];
  writeState(state);
  return true;
}

let firstAnswer = true;
/** Counts refreshes: an answer that arrives after a newer refresh started (a slow one, overtaken by a click) is dropped. */
let generation = 0;
async function refresh(): Promise<void> {
  const mine = ++generation;
  try {
    let answer = await fetchGraph(graphQuery(state));
    if (firstAnswer && expandSelected(answer)) answer = await fetchGraph(graphQuery(state));
    if (mine !== generation) return;
    graph = answer;
    firstAnswer = false;
    nodesById = new Map(graph.nodes.map((n) => [n.id, n]));
    fillNamespaces(graph.namespaces);
    // The note first: the map is fitted below it.
    showOverviewNote(note, graph, state.expand.includes(EXPAND_ALL), (whole) => {
      state.expand = whole ? [EXPAND_ALL] : [];
      if (whole) state.collapse = [];
      changed();
    });
    map.update(graph);
    map.highlight(state.search);
    map.select(state.selected.replace(/^(edge|node):/, ''));
    probe.graph = graph;
    probe.refreshes++;
    probe.lastError = '';
    status.className = '';
    status.textContent = `${map.timing.nodes} nodes, ${map.timing.edges} edges · updated ${new Date(graph.generatedAt).toLocaleTimeString()}`;
    await showDetail();
  } catch (error) {
    if (mine !== generation) return;
    probe.lastError = (error as Error).message;
    status.className = 'error';
    status.textContent = `cannot update: ${probe.lastError} (retrying)`;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
let refreshMs = 5000;
async function loop(): Promise<void> {
  clearTimeout(timer);
  await refresh();
  timer = setTimeout(() => void loop(), refreshMs);
}

function changed(): void {
  writeState(state);
  void loop();
}

function bindControls(): void {
  const bind = (id: string, key: 'range' | 'namespace' | 'protocol' | 'port' | 'search', event = 'change') => {
    const input = $<HTMLInputElement | HTMLSelectElement>(id);
    input.value = state[key];
    input.addEventListener(event, () => {
      state[key] = input.value.trim();
      changed();
    });
  };
  bind('range', 'range');
  bind('namespace', 'namespace');
  bind('protocol', 'protocol');
  bind('port', 'port');
  bind('search', 'search');
  for (const key of ['external', 'hideProbes'] as const) {
    const box = $<HTMLInputElement>(key);
    box.checked = state[key];
    box.addEventListener('change', () => {
      state[key] = box.checked;
      changed();
    });
  }
  const colour = $<HTMLSelectElement>('color');
  colour.value = state.color;
  map.setColouring(state.color);
  colour.addEventListener('change', () => {
    state.color = colour.value === 'retransmits' ? 'retransmits' : 'latency';
    $('legend-metric').textContent = state.color === 'latency' ? 'latency p99' : 'retransmits';
    map.setColouring(state.color);
    writeState(state);
  });
}

bindControls();
// The graph is fetched at once; the refresh interval arrives meanwhile (it is first needed after the first drawing).
void getJson<{ refreshMs: number }>('api/settings')
  .then((settings) => (refreshMs = settings.refreshMs))
  .catch(() => undefined);
void loop();
