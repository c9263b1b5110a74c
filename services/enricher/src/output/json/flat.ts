/** The flat JSON shape: the EnrichedFlow record as is, same names and units as the Avro topic. */
import type { EnrichedFlow } from '@flowmesh/lib';

export function toFlatJson(flow: EnrichedFlow): Record<string, unknown> {
  return { ...flow };
}
