/// <reference lib="dom" />
/**
 * The map itself: Cytoscape.js draws the graph, fCoSE lays it out. A refresh
 * updates numbers in place and adds or removes only what changed, so the
 * user's layout, zoom and selection survive; a full layout runs only on the
 * first draw or when much of the graph is new.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Graph, GraphEdge, GraphNode } from '../src/graph/build-graph.js';
import { isBigMap } from '../src/graph/map-size.js';
import { blockPlacement, type Placement } from './block-placement.js';
import { edgeColour, edgeWidth, graphStyle } from './graph-style.js';
import { ms, percent, rate } from './format.js';

cytoscape.use(fcose);

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
  /** performance.now() when the last update started. */
  startedAt: number;
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
  readonly timing: RenderTiming = { nodes: 0, edges: 0, startedAt: 0, drawnAt: 0, updates: 0 };

  /** `overlay`: a note drawn over the map's top edge; a big map is fitted below it while it shows. */
  constructor(container: HTMLElement, events: MapEvents, private readonly overlay?: HTMLElement) {
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
      for (const edge of this.edges.values()) this.setEdgeData(this.cy.getElementById(edge.id), this.edgeData(edge));
    });
  }

  /** What an edge is drawn from; a big map shows no labels, so its edges carry no text that would change (and restyle them) at every refresh. */
  private edgeData(edge: GraphEdge): { width: number; colour: string; text: string } {
    const value = this.colourBy === 'latency' ? edge.latencyP99Ms : edge.retransmitRatio;
    return {
      width: edgeWidth(edge.bytesPerSecond),
      colour: edgeColour(this.colourBy, value),
      text: this.large ? '' : `${rate(edge.bytesPerSecond)} · ${this.colourBy === 'latency' ? `p99 ${ms(edge.latencyP99Ms)}` : `retr ${percent(edge.retransmitRatio)}`}`,
    };
  }

  /** Unchanged data is left alone: each change restyles and redraws the edge. */
  private setEdgeData(element: cytoscape.CollectionReturnValue, data: ReturnType<MapView['edgeData']>): void {
    if (element.data('width') !== data.width || element.data('colour') !== data.colour || element.data('text') !== data.text) element.data(data);
  }

  /** Draws a new answer of /api/graph, keeping positions of what was there. */
  update(graph: Graph): void {
    this.timing.startedAt = performance.now();
    const cy = this.cy;
    // A big map's overview is drawn as the big map it stands for, so expanding its namespaces changes no drawing style.
    const large = graph.overview !== undefined || isBigMap(graph);
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
    const relayout = !this.laidOut || fresh > Math.max(3, leaves.length * 0.3) || (graph.overview !== undefined && graph.nodes.some((n) => this.reshaped(n, large)));
    // A big graph is placed in namespace blocks at once; a small one gets the force layout after adding.
    const placed = !large ? null : relayout ? blockPlacement(graph.nodes, this.aspect()) : fresh ? this.placeExpanded(graph) : null;
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
      let existing = cy.getElementById(node.id);
      const box = large && node.kind === 'group' ? (placed?.boxes.get(node.id) ?? null) : null;
      let position: cytoscape.Position | undefined = box ? { x: box.x, y: box.y } : placed?.positions.get(node.id);
      // A namespace collapsed (its box becomes a node) or expanded again: drawn anew where the old one was.
      if (this.reshaped(node, large)) {
        position ??= { ...existing.position() };
        existing.remove();
        existing = cy.collection();
      }
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
      else this.setEdgeData(existing, data);
    }
    // One add for everything new: Cytoscape indexes and styles the lot at once.
    if (additions.length) cy.add(additions);
    cy.endBatch();
    if (relayout) {
      if (placed) this.fitTo(placed.bounds);
      else {
        this.forceLayout();
        cy.fit(undefined, 20);
      }
      this.laidOut = graph.nodes.length > 0;
    }
    this.timing.nodes = leaves.length;
    this.timing.edges = graph.edges.length;
    this.timing.updates++;
    this.whenDrawn();
  }

  /**
   * Marks when the next frame is drawn and the page is free again (the task after the frame runs).
   * Cytoscape's render loop asked for that frame before this update, so it draws before this callback runs.
   */
  private whenDrawn(): void {
    requestAnimationFrame(() => setTimeout(() => (this.timing.drawnAt = performance.now()), 0));
  }

  /**
   * Whether a drawn group changes shape: a namespace collapsed (its box becomes a node) or expanded
   * again. On the overview the blocks are placed anew then: an expanded namespace's block needs room
   * its one node did not take.
   */
  private reshaped(node: GraphNode, large: boolean): boolean {
    const drawn = this.cy.getElementById(node.id);
    return drawn.nonempty() && Boolean(drawn.data('box')) !== (large && node.kind === 'group');
  }

  /** Beside a drawn neighbour, for a node that joins a laid-out map. */
  private near(neighbour: string | undefined): { x: number; y: number } | undefined {
    if (!this.laidOut || !neighbour) return undefined;
    const near = this.cy.getElementById(neighbour);
    return near.nonempty() ? { x: near.position('x') + (Math.random() - 0.5) * 80, y: near.position('y') + (Math.random() - 0.5) * 80 } : undefined;
  }

  /**
   * A big map's groups whose members are all new (a namespace expanded again) get their block where the group
   * is drawn now (the collapsed node), the rest stays put; members of other groups join beside a neighbour.
   */
  private placeExpanded(graph: Graph): Placement | null {
    const drawnMember = new Set<string>();
    for (const node of graph.nodes) if (node.parent && this.cy.getElementById(node.id).nonempty()) drawnMember.add(node.parent);
    const anchors = new Map<string, cytoscape.Position>();
    for (const node of graph.nodes) {
      const group = node.kind === 'group' ? this.cy.getElementById(node.id) : null;
      if (group?.nonempty() && !drawnMember.has(node.id)) anchors.set(node.id, { ...group.position() });
    }
    if (!anchors.size) return null;
    const local = blockPlacement(graph.nodes.filter((n) => n.kind !== 'group' && n.parent !== null && anchors.has(n.parent)));
    const positions = new Map<string, cytoscape.Position>();
    for (const [group, box] of local.boxes) {
      const anchor = anchors.get(group)!;
      const [dx, dy] = [anchor.x - box.x, anchor.y - box.y];
      local.boxes.set(group, { ...box, x: anchor.x, y: anchor.y });
      for (const node of graph.nodes) if (node.parent === group) positions.set(node.id, { x: local.positions.get(node.id)!.x + dx, y: local.positions.get(node.id)!.y + dy });
    }
    return { positions, boxes: local.boxes, bounds: local.bounds };
  }

  /** Fits the view to a known rectangle: cy.fit() would first measure every element, styles and labels included. */
  private fitTo(bounds: Placement['bounds']): void {
    const top = this.overlay && !this.overlay.hidden ? this.overlay.offsetTop + this.overlay.offsetHeight : 0;
    const [width, height] = [this.cy.width(), this.cy.height() - top];
    const zoom = Math.min(width / (bounds.x2 - bounds.x1), height / (bounds.y2 - bounds.y1));
    const level = Math.max(this.cy.minZoom(), Math.min(this.cy.maxZoom(), Number.isFinite(zoom) && zoom > 0 ? zoom : 1));
    this.cy.viewport({ zoom: level, pan: { x: (width - level * (bounds.x1 + bounds.x2)) / 2, y: top + (height - level * (bounds.y1 + bounds.y2)) / 2 } });
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
