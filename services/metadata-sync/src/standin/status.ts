/** The `Status` object the API server answers failures with (and sends as a watch ERROR event). */
import type { KubeObject } from './object-store.js';

export function statusObject(code: number, reason: string, message: string, details?: { name?: string; kind?: string }): KubeObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}
