/// <reference lib="dom" />
/**
 * A tiny script the page runs before its main one: it starts fetching the
 * first graph at once, so the answer (the slow part at thousands of edges)
 * arrives while the main script, Cytoscape included, downloads and starts.
 * The main script takes it if it asks for the same view.
 */
import { graphQuery, readState } from './view-state.js';

export interface FirstGraph {
  query: string;
  response: Promise<Response>;
}

declare global {
  interface Window {
    flowmeshFirstGraph?: FirstGraph;
  }
}

const query = graphQuery(readState(location));
window.flowmeshFirstGraph = { query, response: fetch(`api/graph?${query}`, { cache: 'no-store' }) };
