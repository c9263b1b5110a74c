/**
 * The `enrichment` status of a record, accumulated over its lookups.
 * PARTIAL (something is missing) outranks STALE (answers may be out of date),
 * which outranks OK.
 */
import type { Enrichment } from '@flowmesh/lib';
import type { Answer } from '../metadata/cached-metadata.js';

const RANK: Record<Enrichment, number> = { OK: 0, STALE: 1, PARTIAL: 2 };

export class Quality {
  private status: Enrichment = 'OK';

  get value(): Enrichment {
    return this.status;
  }

  /** Notes how a lookup was answered; `expected` means the store should have known the key. */
  note(answer: Answer<unknown> | undefined, expected: boolean): void {
    if (!answer || answer.provenance === 'failed') this.raise('PARTIAL');
    else if (answer.value === null && expected) this.raise('PARTIAL');
    else if (answer.provenance === 'stale') this.raise('STALE');
  }

  /** Something that should have resolved did not. */
  missing(): void {
    this.raise('PARTIAL');
  }

  merge(other: Quality): void {
    this.raise(other.status);
  }

  private raise(status: Enrichment): void {
    if (RANK[status] > RANK[this.status]) this.status = status;
  }
}
