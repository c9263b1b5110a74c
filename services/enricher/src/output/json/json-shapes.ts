/** The JSON shapes of the optional JSON topic, by name. */
import type { EnrichedFlow } from '@flowmesh/lib';
import { toEcs } from './ecs.js';
import { toFlatJson } from './flat.js';
import { toOcsf } from './ocsf.js';

export const JSON_SHAPES = {
  flat: toFlatJson,
  ecs: toEcs,
  ocsf: toOcsf,
} as const satisfies Record<string, (flow: EnrichedFlow) => Record<string, unknown>>;

export type JsonShape = keyof typeof JSON_SHAPES;
export const JSON_SHAPE_NAMES = Object.keys(JSON_SHAPES) as JsonShape[];

export function encodeJson(shape: JsonShape, flow: EnrichedFlow): Buffer {
  return Buffer.from(JSON.stringify(JSON_SHAPES[shape](flow)));
}
