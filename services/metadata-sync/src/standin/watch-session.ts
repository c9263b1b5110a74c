/**
 * One `?watch=true` stream: newline-delimited JSON events from a resourceVersion
 * on, in the shape the API server sends (`{"type":"ADDED","object":{...}}`),
 * with periodic BOOKMARKs when asked and an ERROR 410 event when the version
 * is older than the retained history.
 */
import type { ServerResponse } from 'node:http';
import { type KubeObject, type ObjectStore, type StoreEvent } from './object-store.js';
import { type ResourceType, apiVersionOf } from './resource-types.js';
import type { ObjectFilter } from './selectors.js';
import { statusObject } from './status.js';

export interface WatchSpec {
  type: ResourceType;
  /** Only objects matching this are sent (namespace scope and selectors). */
  filter: ObjectFilter;
  /** null, '' or '0': start with ADDED events for every current object. */
  resourceVersion: number | null;
  bookmarks: boolean;
  /** The server ends the stream after this long, as `timeoutSeconds` asks. */
  timeoutMs: number | null;
}

/** How a test hook ends a watch: a clean end, a broken connection, or a 410 event first. */
export type WatchCloseMode = 'end' | 'destroy' | 'expire';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export class WatchSession {
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly response: ServerResponse,
    private readonly spec: WatchSpec,
    private readonly bookmarkIntervalMs: number,
    private readonly onClosed: (session: WatchSession) => void,
  ) {}

  start(): void {
    this.response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.response.flushHeaders();
    this.response.on('close', () => this.cleanUp());

    const { spec } = this;
    if (spec.resourceVersion === null || spec.resourceVersion === 0) {
      for (const object of this.store.list(spec.type)) if (spec.filter(object)) this.send('ADDED', object);
    } else {
      const backlog = this.store.eventsAfter(spec.type, spec.resourceVersion);
      if (backlog === 'expired') {
        this.close('expire');
        return;
      }
      for (const event of backlog) this.deliver(event);
    }
    // Replay and subscription happen in the same tick, so no event falls between them.
    this.unsubscribe = this.store.subscribe((event) => {
      if (event.resource === spec.type) this.deliver(event);
    });
    if (spec.bookmarks) {
      this.timers.push(setInterval(() => this.sendBookmark(), this.bookmarkIntervalMs));
    }
    if (spec.timeoutMs !== null) this.timers.push(setTimeout(() => this.close('end'), spec.timeoutMs));
  }

  close(mode: WatchCloseMode): void {
    if (this.closed) return;
    if (mode === 'expire') {
      const status = statusObject(410, 'Expired', `too old resource version: ${this.spec.resourceVersion} (${this.store.resourceVersion})`);
      this.send('ERROR', status);
    }
    if (mode === 'destroy') this.response.socket?.destroy();
    else this.response.end();
    this.cleanUp();
  }

  /** Translates a store event through the filter: an object moving in or out of the selection is ADDED or DELETED. */
  private deliver(event: StoreEvent): void {
    const matchesNow = this.spec.filter(event.object);
    if (event.type !== 'MODIFIED') {
      if (matchesNow) this.send(event.type, event.object);
      return;
    }
    const matchedBefore = event.previous ? this.spec.filter(event.previous) : false;
    if (matchedBefore && matchesNow) this.send('MODIFIED', event.object);
    else if (matchesNow) this.send('ADDED', event.object);
    else if (matchedBefore) this.send('DELETED', event.object);
  }

  private sendBookmark(): void {
    this.send('BOOKMARK', {
      kind: this.spec.type.kind,
      apiVersion: apiVersionOf(this.spec.type),
      metadata: { resourceVersion: this.store.resourceVersion },
    });
  }

  private send(type: WatchEventType, object: KubeObject): void {
    if (this.closed || this.response.writableEnded) return;
    this.response.write(`${JSON.stringify({ type, object })}\n`);
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.onClosed(this);
  }
}
