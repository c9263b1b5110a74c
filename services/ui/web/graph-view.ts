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
import { blockPlacement } from './block-placement.js';
import { edgeColour, edgeWidth, graphStyle } from './graph-style.js';
import { ms, percent, rate } from './format.js';

cytoscape.use(fcose);

/** Above this many elements edges are drawn as straight haystack lines without labels. */
const LARGE = 1500;
/** Size of a group's box that appears on a refresh, before the next full placement sizes it. */
const GROUP_BOX = 120;

export interface MapEvents {
  edgeSelected(edge: GraphEdge): void;
  nodeSelected(id: string): void;
  cleared(): void;
  namespaceToggled(namespace: string): void;
}

export interface RenderTiming {
  nodes: number;
  edges: number;
  /** Time of the last update that placed nodes (a layout, or new nodes beside their neighbours), ms. */
  layoutMs: number;
  /** performance.now() when the last update started, and how long its own work took, ms. */
  startedAt: number;
  updateMs: number;
  /** performance.now() when the frame after the last update was drawn and the page was free again. */
  drawnAt: number;
  updates: number;
}

export class MapView {
  private readonly cy: cytoscape.Core;
  private readonly edges = new Map<string, GraphEdge>();
  private colourBy: 'latency' | 'retransmits' = 'latency';
  private laidOut = false;
  private large = false;
  readonly timing: RenderTiming = { nodes: 0, edges: 0, layoutMs: 0, startedAt: 0, updateMs: 0, drawnAt: 0, updates: 0 };

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
      if ((node.isParent() || node.data('box')) && node.id().startsWith('namespace:')) events.namespaceToggled(node.id().slice('namespace:'.length));
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
    this.timing.startedAt = started;
    const cy = this.cy;
    const large = graph.nodes.length + graph.edges.length > LARGE;
    // Big and small maps draw groups differently (boxes beside, or compound nodes around, their members): crossing the size starts afresh.
    // The stylesheet is set while the map is empty, so no element is styled twice.
    if (large !== this.large) {
      cy.elements().remove();
      this.laidOut = false;
      this.large = large;
      cy.style(graphStyle(large));
    }
    const leaves = graph.nodes.filter((n) => n.kind !== 'group');
    const fresh = leaves.filter((n) => cy.getElementById(n.id).empty()).length;
    const relayout = !this.laidOut || fresh > Math.max(3, leaves.length * 0.3);
    // A big graph is placed in namespace blocks at once; a small one gets the force layout after adding.
    const placed = relayout && large ? blockPlacement(graph.nodes, this.aspect()) : null;
    const wanted = new Set([...graph.nodes.map((n) => n.id), ...graph.edges.map((e) => e.id)]);
    const neighbours = new Map<string, string>();
    for (const edge of graph.edges) {
      if (!neighbours.has(edge.target)) neighbours.set(edge.target, edge.source);
      if (!neighbours.has(edge.source)) neighbours.set(edge.source, edge.target);
    }
    cy.startBatch();
    cy.elements().forEach((element) => {
      if (!wanted.has(element.id())) element.remove();
    });
    const additions: cytoscape.ElementDefinition[] = [];
    for (const node of graph.nodes) {
      const existing = cy.getElementById(node.id);
      const box = large && node.kind === 'group' ? (placed?.boxes.get(node.id) ?? null) : null;
      const position = box ?? placed?.positions.get(node.id);
      // Compound nodes make every style change walk the member's parents and their edges: a big map draws its groups as plain boxes behind their members.
      const parent = large ? null : node.parent;
      if (existing.nonempty()) {
        if ((existing.data('parent') ?? null) !== parent) existing.move({ parent });
        if (existing.data('label') !== node.label || existing.data('kind') !== node.kind) existing.data({ label: node.label, kind: node.kind });
        if (box) existing.data({ width: box.width, height: box.height });
        if (position) existing.position(position);
        continue;
      }
      const data = {
        id: node.id,
        label: node.label,
        kind: node.kind,
        namespace: node.namespace,
        ...(parent ? { parent } : {}),
        ...(large && node.kind === 'group' ? { box: true, width: box?.width ?? GROUP_BOX, height: box?.height ?? GROUP_BOX } : {}),
      };
      const at = position ?? this.near(neighbours.get(node.id));
      additions.push({ group: 'nodes', data, ...(at ? { position: at } : {}) });
    }
    this.edges.clear();
    for (const edge of graph.edges) {
      this.edges.set(edge.id, edge);
      const existing = cy.getElementById(edge.id);
      const data = this.edgeData(edge);
      if (existing.empty()) additions.push({ group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, ...data } });
      // Unchanged data is left alone: each change restyles the edge.
      else if (existing.data('width') !== data.width || existing.data('colour') !== data.colour || existing.data('text') !== data.text) existing.data(data);
    }
    // One add for everything new: Cytoscape indexes and styles the lot at once.
    if (additions.length) cy.add(additions);
    cy.endBatch();
    if (relayout) {
      if (!large) this.forceLayout();
      cy.fit(undefined, 20);
      this.laidOut = graph.nodes.length > 0;
    }
    this.timing.nodes = leaves.length;
    this.timing.edges = graph.edges.length;
    this.timing.updates++;
    if (relayout || fresh) this.timing.layoutMs = performance.now() - started;
    this.timing.updateMs = performance.now() - started;
    this.whenDrawn();
  }

  /**
   * Marks when the next frame is drawn and the page is free again (the task after the frame runs).
   * Cytoscape's render loop asked for that frame before this update, so it draws before this callback runs.
   */
  private whenDrawn(): void {
    requestAnimationFrame(() => setTimeout(() => (this.timing.drawnAt = performance.now()), 0));
  }

  /** Beside a drawn neighbour, for a node that joins a laid-out map. */
  private near(neighbour: string | undefined): { x: number; y: number } | undefined {
    if (!this.laidOut || !neighbour) return undefined;
    const near = this.cy.getElementById(neighbour);
    return near.nonempty() ? { x: near.position('x') + (Math.random() - 0.5) * 80, y: near.position('y') + (Math.random() - 0.5) * 80 } : undefined;
  }

  private aspect(): number {
    const width = this.cy.width();
    const height = this.cy.height();
    return width > 0 && height > 0 ? width / height : 1.5;
  }

  private forceLayout(): void {
    const options = {
      name: 'fcose',
      quality: 'default',
      randomize: !this.laidOut,
      animate: false,
      nodeDimensionsIncludeLabels: true,
      packComponents: true,
      nodeRepulsion: 6000,
      idealEdgeLength: 90,
      padding: 20,
    } as unknown as cytoscape.LayoutOptions;
    this.cy.layout(options).run();
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
    return this.cy.elements().filter((e) => e.isEdge() || (!e.isParent() && !e.data('box'))).map((e) => e.id());
  }

  /**
   * Where an element is on the page, for tests that click it: a node's centre, an edge's midpoint or, with
   * `along`, the point that far from its source (a straight line: the edges of a big map are).
   */
  pagePosition(id: string, along?: number): { x: number; y: number } | null {
    const element = this.cy.getElementById(id);
    if (element.empty()) return null;
    let point: cytoscape.Position;
    const edge = element as cytoscape.EdgeSingular;
    if (element.isNode()) point = element.renderedPosition();
    else if (along === undefined) point = edge.renderedMidpoint();
    else {
      const [from, to] = [edge.source().renderedPosition(), edge.target().renderedPosition()];
      point = { x: from.x + (to.x - from.x) * along, y: from.y + (to.y - from.y) * along };
    }
    const box = this.cy.container()!.getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y };
  }

  /** Zooms to `level` with the element in the middle, as a user zooms in before clicking in a dense map. */
  zoomTo(id: string, level: number): void {
    const element = this.cy.getElementById(id);
    if (element.empty()) return;
    this.cy.zoom(level);
    this.cy.center(element);
  }

  /** Model position of a node, to tell whether a refresh moved it. */
  position(id: string): { x: number; y: number } | null {
    const element = this.cy.getElementById(id);
    return element.nonempty() ? { ...element.position() } : null;
  }
}
