/// <reference lib="dom" />
/** How the map looks: node shapes and colours by kind, edge width by volume, edge colour by latency or retransmits. */
import type { StylesheetJson } from 'cytoscape';

/** Latency p99 (ms) and retransmit ratio above which an edge is amber, then red. */
export const THRESHOLDS = { latency: [50, 200], retransmits: [0.01, 0.05] } as const;

export function edgeColour(metric: 'latency' | 'retransmits', value: number | null): string {
  if (value === null) return '#9aa4b1';
  const [warn, bad] = THRESHOLDS[metric];
  return value >= bad ? '#d2453a' : value >= warn ? '#d9a520' : '#3c9d5d';
}

/**
 * Width from bytes/s on a log scale: 1 px at 1 B/s up to 12 px at 1 GB/s, in whole pixels, so a refresh
 * restyles (and redraws) only the edges whose width visibly changed.
 */
export function edgeWidth(bytesPerSecond: number): number {
  return Math.round(Math.max(1, Math.min(12, 1 + Math.log10(Math.max(1, bytesPerSecond)) * 1.3)));
}

/** A namespace, country or the nodes: a faint box titled above. */
const GROUP_LOOK = {
  'background-opacity': 0.06,
  'background-color': '#3b6fd4',
  'border-color': '#9fb0cc',
  'border-width': 1,
  shape: 'round-rectangle',
  'text-valign': 'top',
  'text-halign': 'center',
  'font-size': 12,
  'font-weight': 'bold',
  padding: '12px',
} as const;

/** A small map's edges: curved, with arrows and labels. */
const EDGE_LOOK = {
  width: 'data(width)',
  'line-color': 'data(colour)',
  'curve-style': 'bezier',
  'target-arrow-shape': 'triangle',
  'target-arrow-color': 'data(colour)',
  'arrow-scale': 0.8,
  opacity: 0.8,
  label: 'data(text)',
  'font-size': 9,
  'text-rotation': 'autorotate',
  'text-background-color': '#fff',
  'text-background-opacity': 0.8,
  'min-zoomed-font-size': 8,
} as const;

export function graphStyle(large: boolean): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'font-size': 10,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        width: 22,
        height: 22,
        'background-color': '#3b6fd4',
        color: '#1d2430',
        'min-zoomed-font-size': 7,
        // Above the group boxes of a big map.
        'z-index': 1,
      },
    },
    { selector: 'node[kind = "service"]', style: { shape: 'round-rectangle', 'background-color': '#8a4fd1' } },
    { selector: 'node[kind = "node"]', style: { shape: 'rectangle', 'background-color': '#5f6b7a' } },
    { selector: 'node[kind = "external"]', style: { shape: 'diamond', 'background-color': '#d2833a' } },
    { selector: 'node[kind = "namespace"]', style: { shape: 'round-rectangle', width: 40, height: 28, 'background-color': '#c9d4e8', 'border-width': 2, 'border-color': '#3b6fd4' } },
    { selector: ':parent', style: GROUP_LOOK },
    // A group of a big map: a box behind its members (see block-placement.ts), not a compound node.
    { selector: 'node[?box]', style: { ...GROUP_LOOK, width: 'data(width)', height: 'data(height)', 'min-zoomed-font-size': 0, 'z-index': 0 } },
    { selector: 'node.match', style: { 'border-width': 3, 'border-color': '#f0b400' } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#111' } },
    // Every style property costs each element at every restyle: a big map's edges get only what they draw.
    // Half opacity: where hundreds of edges cross, the density shows as shading instead of one solid block.
    { selector: 'edge', style: large ? { width: 'data(width)', 'line-color': 'data(colour)', 'curve-style': 'haystack', opacity: 0.45 } : EDGE_LOOK },
    { selector: 'edge:selected', style: { 'line-color': '#111', 'target-arrow-color': '#111', opacity: 1, 'z-index': 10 } },
  ];
}
