/// <reference lib="dom" />
/**
 * The note over a big map saying which view it is: the overview (what the
 * whole map holds, how to expand a namespace, a button for the whole map),
 * or the whole big map (a button back to the overview). Hidden on small maps.
 */
import type { Graph } from '../src/graph/build-graph.js';
import { isBigMap } from '../src/graph/map-size.js';

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** `choose(true)` asks for the whole map, `choose(false)` for the overview. */
export function showOverviewNote(note: HTMLElement, graph: Graph, askedWhole: boolean, choose: (whole: boolean) => void): void {
  const overview = graph.overview;
  const whole = !overview && askedWhole && isBigMap(graph);
  note.hidden = !overview && !whole;
  if (note.hidden) return;
  const text = overview
    ? `${count(overview.workloads, 'workload')} in ${count(overview.namespaces, 'namespace')}${overview.expanded.length ? ` (${overview.expanded.length} expanded)` : ''}: double-click a namespace to expand it${overview.expanded.length ? ', its box to collapse it again' : ''}`
    : `The whole map: ${count(graph.nodes.length + graph.edges.length, 'node and edge', 'nodes and edges')}`;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = overview ? 'expand-all' : 'show-overview';
  button.textContent = overview ? `expand all (${count(overview.elements, 'element')}, slower)` : 'back to the overview';
  button.addEventListener('click', () => choose(Boolean(overview)));
  note.replaceChildren(text, ' ', button);
}
