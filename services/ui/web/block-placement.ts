/**
 * The first placement of a big map, in one pass over the nodes (and a sort of
 * each group by name): each group (a namespace, a country, the nodes) is a
 * block holding its members in a square grid, in name order (app-2 before
 * app-10), and the blocks are shelved in rows, in group order, into a
 * rectangle of the viewport's shape. Deterministic, so the same graph always
 * opens the same way, and cheap enough to draw at once where a force layout
 * of thousands of edges takes seconds.
 */
import type { GraphNode } from '../src/graph/build-graph.js';

export interface Point {
  x: number;
  y: number;
}

/** A group's block: its centre and size, drawn as the group's box. */
export interface Box extends Point {
  width: number;
  height: number;
}

export interface Placement {
  /** Positions of the drawn (non-group) nodes. */
  positions: Map<string, Point>;
  /** Boxes of the groups (by group id), around their members with room for the title. */
  boxes: Map<string, Box>;
  /** The rectangle all of it fills, titles included: the map can be fitted to it without measuring what Cytoscape drew. */
  bounds: { x1: number; y1: number; x2: number; y2: number };
}

/** Distance between members' centres: a node is 22 px with its label below it. */
const CELL = 64;
/** Space between blocks, beside their title and padding. */
const GAP = 56;
/** Room above a block for its title. */
const TITLE = 28;

/** Names in reading order: app-2 before app-10. */
const NATURAL = new Intl.Collator('en', { numeric: true });

interface Block {
  members: GraphNode[];
  columns: number;
  width: number;
  height: number;
}

function blockOf(members: GraphNode[]): Block {
  const columns = Math.ceil(Math.sqrt(members.length));
  const rows = Math.ceil(members.length / columns);
  members.sort((a, b) => NATURAL.compare(a.label, b.label));
  return { members, columns, width: columns * CELL, height: rows * CELL };
}

/** Where the nodes go; `aspect` is the viewport's width / height. */
export function blockPlacement(nodes: readonly GraphNode[], aspect = 1.5): Placement {
  const groups = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    if (node.kind === 'group') continue;
    // A collapsed namespace is a block of its own, in its namespace's place among the others.
    const key = node.kind === 'namespace' ? node.id : (node.parent ?? '');
    const members = groups.get(key);
    if (members) members.push(node);
    else groups.set(key, [node]);
  }
  const keys = [...groups.keys()].sort(NATURAL.compare);
  const blocks = keys.map((key) => blockOf(groups.get(key)!));
  const area = blocks.reduce((sum, b) => sum + (b.width + GAP) * (b.height + GAP), 0);
  const rowWidth = Math.max(...blocks.map((b) => b.width), Math.sqrt(area * aspect));

  const positions = new Map<string, Point>();
  const boxes = new Map<string, Box>();
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let width = 0;
  blocks.forEach((block, b) => {
    if (x > 0 && x + block.width > rowWidth) {
      x = 0;
      y += rowHeight + GAP;
      rowHeight = 0;
    }
    block.members.forEach((node, i) => {
      positions.set(node.id, { x: x + (i % block.columns) * CELL + CELL / 2, y: y + Math.floor(i / block.columns) * CELL + CELL / 2 });
    });
    if (keys[b] && block.members[0]!.kind !== 'namespace') boxes.set(keys[b]!, { x: x + block.width / 2, y: y + block.height / 2, width: block.width, height: block.height });
    width = Math.max(width, x + block.width);
    x += block.width + GAP;
    rowHeight = Math.max(rowHeight, block.height);
  });
  return { positions, boxes, bounds: { x1: -GAP / 2, y1: -TITLE - GAP / 2, x2: width + GAP / 2, y2: y + rowHeight + GAP / 2 } };
}
