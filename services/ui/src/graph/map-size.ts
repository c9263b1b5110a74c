/** When a map is big: over this many nodes and edges the page draws it differently and first shows its overview. */
export const BIG_MAP_ELEMENTS = 1500;

export const isBigMap = (graph: { nodes: readonly unknown[]; edges: readonly unknown[] }): boolean => graph.nodes.length + graph.edges.length > BIG_MAP_ELEMENTS;
