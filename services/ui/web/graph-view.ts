/// <reference lib="dom" />
/**
 * The map itself: Cytoscape.js draws the graph, fCoSE lays it out. A refresh
 * updates numbers in place and adds or removes only what changed, so the
 * user's layout, zoom and selection survive; a full layout runs only on the
 * first draw or when much of the graph is new.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Graph, GraphEdge } from '../src/graph/build-graph.js';
import { edgeColour, edgeWidth, graphStyle } from './graph-style.js';
import { ms, percent, rate } from './format.js';

cytoscape.use(fcose);

/** Above this many elements edges are drawn as straight haystack lines without labels. */
const LARGE = 1500;

export interface MapEvents {
  edgeSelected(edge: GraphEdge): void;
  nodeSelected(id: string): void;
  cleared(): void;
  namespaceToggled(namespace: string): void;
}

export interface RenderTiming {
  nodes: number;
  edges: number;
  /** Time of the last full layout and draw, ms. */
  layoutMs: number;
  updates: number;
}

export class MapView {
  private readonly cy: cytoscape.Core;
  private readonly edges = new Map<string, GraphEdge>();
  private colourBy: 'latency' | 'retransmits' = 'latency';
  private laidOut = false;
  private large = false;
  readonly timing: RenderTiming = { nodes: 0, edges: 0, layoutMs: 0, updates: 0 };

  constructor(container: HTMLElement, events: MapEvents) {
    // Drawing tweaks for big graphs: a bitmap while panning and zooming, edges hidden meanwhile, no high-DPI.
    this.cy = cytoscape({
      container,
      style: graphStyle(false),
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      pixelRatio: 1,
    });
    this.cy.on('tap', 'edge', (event) => {
      const edge = this.edges.get(event.target.id());
      if (edge) events.edgeSelected(edge);
    });
    this.cy.on('tap', 'node', (event) => events.nodeSelected(event.target.id()));
    this.cy.on('dbltap', 'node', (event) => {
      const node = event.target;
      if (node.isParent() && node.id().startsWith('namespace:')) events.namespaceToggled(node.id().slice('namespace:'.length));
      else if (node.data('kind') === 'namespace') events.namespaceToggled(node.data('namespace'));
    });
    this.cy.on('tap', (event) => {
      if (event.target === this.cy) events.cleared();
    });
  }

  setColouring(by: 'latency' | 'retransmits'): void {
    this.colourBy = by;
    this.cy.batch(() => {
      for (const edge of this.edges.values()) this.cy.getElementById(edge.id).data(this.edgeData(edge));
    });
  }

  private edgeData(edge: GraphEdge) {
    const value = this.colourBy === 'latency' ? edge.latencyP99Ms : edge.retransmitRatio;
    return {
      width: edgeWidth(edge.bytesPerSecond),
      colour: edgeColour(this.colourBy, value),
      text: `${rate(edge.bytesPerSecond)} · ${this.colourBy === 'latency' ? `p99 ${ms(edge.latencyP99Ms)}` : `retr ${percent(edge.retransmitRatio)}`}`,
    };
  }

  /** Draws a new answer of /api/graph, keeping positions of what was there. */
  update(graph: Graph): void {
    const started = performance.now();
    const cy = this.cy;
    const wanted = new Set([...graph.nodes.map((n) => n.id), ...graph.edges.map((e) => e.id)]);
    let added = 0;
    const large = graph.nodes.length + graph.edges.length > LARGE;
    const neighbours = new Map<string, string>();
    for (const edge of graph.edges) {
      if (!neighbours.has(edge.target)) neighbours.set(edge.target, edge.source);
      if (!neighbours.has(edge.source)) neighbours.set(edge.source, edge.target);
    }
    cy.startBatch();
    cy.elements().forEach((element) => {
      if (!wanted.has(element.id())) element.remove();
    });
    // A node whose parent changed (a namespace collapsed) is re-created: Cytoscape moves it, but keeping it simple is safer.
    for (const node of graph.nodes) {
      const existing = cy.getElementById(node.id);
      const data = { id: node.id, label: node.label, kind: node.kind, namespace: node.namespace, ...(node.parent ? { parent: node.parent } : {}) };
      if (existing.nonempty()) {
        if ((existing.data('parent') ?? null) !== (node.parent ?? null)) existing.move({ parent: node.parent ?? null });
        existing.data({ label: node.label, kind: node.kind });
      } else {
        const neighbour = neighbours.get(node.id);
        const near = this.laidOut && neighbour ? cy.getElementById(neighbour) : null;
        const position = near?.nonempty() ? { x: near.position('x') + (Math.random() - 0.5) * 80, y: near.position('y') + (Math.random() - 0.5) * 80 } : undefined;
        cy.add({ group: 'nodes', data, ...(position ? { position } : {}) });
        added++;
      }
    }
    this.edges.clear();
    for (const edge of graph.edges) {
      this.edges.set(edge.id, edge);
      const existing = cy.getElementById(edge.id);
      if (existing.nonempty()) existing.data(this.edgeData(edge));
      else cy.add({ group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, ...this.edgeData(edge) } });
    }
    cy.endBatch();
    // Restyling every element is costly: only when the graph crosses the size limit.
    if (large !== this.large) {
      this.large = large;
      cy.style(graphStyle(large));
    }
    const leaves = graph.nodes.filter((n) => n.kind !== 'group').length;
    if (!this.laidOut || added > Math.max(3, leaves * 0.3)) {
      this.layout(large);
      this.laidOut = graph.nodes.length > 0;
    }
    this.timing.nodes = leaves;
    this.timing.edges = graph.edges.length;
    this.timing.updates++;
    if (!this.laidOut || added) this.timing.layoutMs = performance.now() - started;
  }

  private layout(large: boolean): void {
    const options = {
      name: 'fcose',
      // Draft quality is the spectral placement alone: fast enough for thousands of edges.
      quality: large ? 'draft' : 'default',
      randomize: !this.laidOut,
      animate: false,
      nodeDimensionsIncludeLabels: !large,
      packComponents: true,
      nodeRepulsion: 6000,
      idealEdgeLength: 90,
      padding: 20,
    } as unknown as cytoscape.LayoutOptions;
    this.cy.layout(options).run();
    this.cy.fit(undefined, 20);
  }

  select(id: string): void {
    this.cy.elements(':selected').unselect();
    if (id) this.cy.getElementById(id).select();
  }

  /** Rings the nodes whose name contains the search text. */
  highlight(text: string): void {
    const needle = text.toLowerCase();
    this.cy.batch(() => {
      this.cy.nodes().forEach((node) => {
        const hit = needle !== '' && String(node.data('label')).toLowerCase().includes(needle);
        if (hit) node.addClass('match');
        else node.removeClass('match');
      });
    });
  }

  edge(id: string): GraphEdge | undefined {
    return this.edges.get(id);
  }

  /** Ids of what is drawn (leaf nodes and edges), for tests. */
  drawnIds(): string[] {
    return this.cy.elements().filter((e) => e.isEdge() || !e.isParent()).map((e) => e.id());
  }

  /** Where an element is on the page (an edge's midpoint), for tests that click it. */
  pagePosition(id: string): { x: number; y: number } | null {
    const element = this.cy.getElementById(id);
    if (element.empty()) return null;
    const point = element.isEdge() ? (element as cytoscape.EdgeSingular).renderedMidpoint() : (element as cytoscape.NodeSingular).renderedPosition();
    const box = this.cy.container()!.getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y };
  }

  /** Model position of a node, to tell whether a refresh moved it. */
  position(id: string): { x: number; y: number } | null {
    const element = this.cy.getElementById(id);
    return element.nonempty() ? { ...element.position() } : null;
  }
}
