import type { InputRef, JoinedFlow } from '@flowmesh/lib';

/** One output record and the input offset it completes. */
export interface Emission {
  record: JoinedFlow;
  key: Buffer | string | null;
  ref: InputRef;
}
