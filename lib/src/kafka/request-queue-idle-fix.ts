/**
 * Stops kafkajs 2.2.4 from spinning when idle. Its RequestQueue re-arms
 * `setTimeout(checkPendingRequests, throttledUntil - now)` after every check;
 * with nothing pending and no throttle the delay is negative, so every broker
 * connection wakes the event loop each millisecond forever (~1,000 wakeups/s,
 * a few % of a core per process on our VMs). With nothing pending and no
 * throttle in force there is nothing to check: a new request or a response
 * checks the queue again anyway. Idempotent; call before creating clients.
 */
import { createRequire } from 'node:module';

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const PATCHED = Symbol.for('flowmesh.kafkajs.requestQueueIdleFix');

export function applyKafkajsIdleFix(): void {
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike & { [PATCHED]?: true } };
  const prototype = RequestQueue.prototype;
  if (prototype[PATCHED]) return;
  const schedule = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  prototype[PATCHED] = true;
}
