/**
 * What the enricher reads of a joined flow to resolve its ends: the window
 * (the flow's time), each end's address and what its agent reported (node,
 * container id), and the dialled Service address. Everything else of the
 * record is copied from its bytes into the output (EnrichedFlowWriter), so the
 * input is decoded through a projection that reads only these fields.
 */
import { RecordProjection, type FlowHalf, type RecordCodec } from '@flowmesh/lib';
import type { EndpointFacts } from './identify.js';

export interface JoinedFacts {
  half: Pick<FlowHalf, 'window_start' | 'window_end'>;
  src: EndpointFacts;
  dst: EndpointFacts;
  service_ip: string | null;
}

const ENDPOINT_FACTS = ['ip', 'node', 'container_id'] as const satisfies readonly (keyof EndpointFacts)[];

export function joinedFactsProjection(codec: RecordCodec<'JoinedFlow'>): RecordProjection<'JoinedFlow', 'half' | 'src' | 'dst' | 'service_ip', JoinedFacts> {
  return new RecordProjection(codec, ['half', 'src', 'dst', 'service_ip'], {
    half: ['window_start', 'window_end'],
    src: ENDPOINT_FACTS,
    dst: ENDPOINT_FACTS,
  });
}
