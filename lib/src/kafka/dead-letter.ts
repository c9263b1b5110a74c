/**
 * Dead-letter records: the original key and value, untouched, with headers that
 * say what failed, where, and where the record came from, so an operator can
 * inspect it (kcat -t flowmesh.dlq.v1 -J) and replay it.
 */
import type { OutputMessage } from './stream-types.js';

export const DLQ_HEADERS = {
  error: 'flowmesh.error',
  errorClass: 'flowmesh.error.class',
  reason: 'flowmesh.error.reason',
  stage: 'flowmesh.stage',
  topic: 'flowmesh.source.topic',
  partition: 'flowmesh.source.partition',
  offset: 'flowmesh.source.offset',
  failedAt: 'flowmesh.failed.at',
} as const;

export interface DeadLetterSource {
  stage: string;
  topic: string;
  partition: number;
  offset: string;
}

/** Short, stable reason for metrics: DecodeError.reason, else the error's class name. */
export function failureReason(error: unknown): string {
  if (error && typeof error === 'object' && 'reason' in error && typeof error.reason === 'string') return error.reason;
  return error instanceof Error ? error.name : 'unknown';
}

export function deadLetterMessage(
  source: DeadLetterSource,
  raw: { key: Buffer | null; value: Buffer | null },
  error: unknown,
  dlqTopic: string,
): OutputMessage & { value: Buffer } {
  const message = error instanceof Error ? error.message : String(error);
  return {
    topic: dlqTopic,
    key: raw.key,
    value: raw.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.error]: message.slice(0, 2000),
      [DLQ_HEADERS.errorClass]: error instanceof Error ? error.name : typeof error,
      [DLQ_HEADERS.reason]: failureReason(error),
      [DLQ_HEADERS.stage]: source.stage,
      [DLQ_HEADERS.topic]: source.topic,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: source.offset,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}
