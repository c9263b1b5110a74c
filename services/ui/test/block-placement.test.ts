/**
 * The big map's first placement: every drawn node gets a place, inside its
 * group's box, no two in one place, boxes apart, the same answer every time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphNode } from '../src/index.js';
import { blockPlacement, type Box } from '../web/block-placement.js';

const node = (id: string, parent: string | null, kind: GraphNode['kind'] = 'workload'): GraphNode => ({ id, kind, label: id, namespace: '', parent, workloadKind: '' });

function cluster(): GraphNode[] {
  const nodes: GraphNode[] = [node('group:nodes', null, 'group'), node('node:a', 'group:nodes', 'node'), node('unknown:', null, 'unknown')];
  for (let n = 0; n < 7; n++) {
    nodes.push(node(`namespace:ns-${n}`, null, 'group'));
    // Groups of different sizes, listed out of order.
    for (let w = (n * 5) % 13; w >= 0; w--) nodes.push(node(`workload:ns-${n}/Deployment/app-${w}`, `namespace:ns-${n}`));
  }
  return nodes;
}

const inside = (box: Box, p: { x: number; y: number }) => Math.abs(p.x - box.x) < box.width / 2 && Math.abs(p.y - box.y) < box.height / 2;
const apart = (a: Box, b: Box) => Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;

describe('block placement', () => {
  it('places every drawn node once, inside its group, and keeps the groups apart', () => {
    const nodes = cluster();
    const { positions, boxes } = blockPlacement(nodes, 1.5);
    const drawn = nodes.filter((n) => n.kind !== 'group');
    assert.deepEqual([...positions.keys()].sort(), drawn.map((n) => n.id).sort());
    assert.equal(new Set([...positions.values()].map((p) => `${p.x},${p.y}`)).size, drawn.length, 'no two nodes in one place');
    assert.deepEqual([...boxes.keys()].sort(), nodes.filter((n) => n.kind === 'group').map((n) => n.id).sort());
    for (const n of drawn) if (n.parent) assert.ok(inside(boxes.get(n.parent)!, positions.get(n.id)!), `${n.id} inside ${n.parent}`);
    const { bounds } = blockPlacement(nodes, 1.5);
    for (const box of boxes.values()) assert.ok(box.x - box.width / 2 >= bounds.x1 && box.x + box.width / 2 <= bounds.x2 && box.y - box.height / 2 >= bounds.y1 && box.y + box.height / 2 <= bounds.y2, 'boxes inside the bounds');
    const list = [...boxes.values()];
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) assert.ok(apart(list[i]!, list[j]!), `boxes ${i} and ${j} overlap`);
  });

  it('is deterministic whatever order the nodes come in, and shaped like the viewport', () => {
    const nodes = cluster();
    const first = blockPlacement(nodes, 2);
    const again = blockPlacement([...nodes].reverse(), 2);
    assert.deepEqual([...again.positions].sort(), [...first.positions].sort());
    const extent = (placement: typeof first) => {
      const xs = [...placement.positions.values()].map((p) => p.x);
      const ys = [...placement.positions.values()].map((p) => p.y);
      return (Math.max(...xs) - Math.min(...xs)) / (Math.max(...ys) - Math.min(...ys));
    };
    assert.ok(extent(first) > extent(blockPlacement(nodes, 0.5)), 'a wider viewport gives a wider placement');
  });
});
