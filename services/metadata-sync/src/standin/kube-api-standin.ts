/**
 * A Kubernetes API server stand-in for tests and the embedded stack. It speaks
 * the real JSON list/watch/CRUD protocol for the resources in resource-types.ts,
 * so `@kubernetes/client-node` (informers, typed APIs, leader election over
 * Leases) works against it unchanged. Not implemented: auth, admission,
 * pagination (`limit` is ignored, which the API allows), json-patch, garbage
 * collection, server-side apply.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoveryDocument } from './discovery.js';
import { mergePatch } from './merge-patch.js';
import { ApiError, type KubeObject, ObjectStore, type ObjectStoreOptions } from './object-store.js';
import { type ResourceRoute, parseResourceRoute } from './resource-route.js';
import { type ResourceType, apiVersionOf, findByKind, resourceId } from './resource-types.js';
import { readSeedFile } from './seed.js';
import { bothSelectors } from './selectors.js';
import { statusObject } from './status.js';
import { type WatchCloseMode, WatchSession } from './watch-session.js';

export interface KubeApiStandinOptions extends ObjectStoreOptions {
  /** How often watches that asked for bookmarks get one. @default 5000 */
  bookmarkIntervalMs?: number;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class KubeApiStandin {
  readonly store: ObjectStore;
  /** Requests served, by `<verb> <resource>` (verbs: list, watch, get, create, update, patch, delete). */
  readonly requestCounts = new Map<string, number>();
  private readonly sessions = new Set<WatchSession>();
  private readonly bookmarkIntervalMs: number;
  private server: Server | undefined;
  private failures: { remaining: number; status: number } | undefined;
  private baseUrl: string | undefined;

  constructor(options: KubeApiStandinOptions = {}) {
    this.store = new ObjectStore(options);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5000;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('the stand-in is not listening');
    return this.baseUrl;
  }

  get openWatches(): number {
    return this.sessions.size;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.fail(response, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    this.dropWatches('end');
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- in-process access (tests, seeding) -------------------------------------------------

  create(object: KubeObject): KubeObject {
    return this.store.create(this.typeOf(object), object);
  }

  replace(object: KubeObject): KubeObject {
    const type = this.typeOf(object);
    return this.store.replace(type, object.metadata?.namespace, requiredName(object), object);
  }

  /** Creates the object, or replaces it (ignoring its resourceVersion) when it exists. */
  apply(object: KubeObject): KubeObject {
    const type = this.typeOf(object);
    if (!this.store.has(type, object.metadata?.namespace, requiredName(object))) return this.store.create(type, object);
    const { resourceVersion: _ignored, ...metadata } = object.metadata ?? {};
    return this.store.replace(type, object.metadata?.namespace, requiredName(object), { ...object, metadata });
  }

  remove(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject {
    return this.store.delete(this.typeOf({ apiVersion, kind }), namespace, name);
  }

  seed(objects: readonly KubeObject[]): void {
    for (const object of objects) this.apply(object);
  }

  async seedFile(path: string): Promise<void> {
    this.seed(await readSeedFile(path));
  }

  // ---- test hooks --------------------------------------------------------------------------

  /** Ends every open watch: cleanly, by breaking the connection, or with a 410 Expired event first. */
  dropWatches(mode: WatchCloseMode = 'destroy'): number {
    const sessions = [...this.sessions];
    for (const session of sessions) session.close(mode);
    return sessions.length;
  }

  /** Forgets the event history, so resuming from any version handed out so far gets 410 Gone. */
  compact(): void {
    this.store.compact();
  }

  /** Answers the next `count` resource requests (not discovery) with `status`, to exercise client back-off. */
  failRequests(count: number, status = 503): void {
    this.failures = { remaining: count, status };
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://standin');
    const method = request.method ?? 'GET';
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) return reply(response, 200, 'ok', 'text/plain');
    const discovery = method === 'GET' ? discoveryDocument(url.pathname) : undefined;
    if (discovery) return reply(response, 200, discovery);

    const route = parseResourceRoute(url.pathname);
    if (!route) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    if (this.failures && this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      throw new ApiError(this.failures.status, 'ServiceUnavailable', 'injected failure (stand-in test hook)');
    }
    const { type, namespace, name } = route;

    if (method === 'GET' && name === undefined) {
      return isTrue(url.searchParams.get('watch')) ? this.watch(route, url.searchParams, response) : this.list(route, url.searchParams, response);
    }
    if (method === 'POST' && name === undefined) {
      this.count('create', type);
      return reply(response, 201, this.store.create(type, await readJson(request), namespace));
    }
    if (name === undefined) throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
    switch (method) {
      case 'GET':
        this.count('get', type);
        return reply(response, 200, this.store.get(type, namespace, name));
      case 'PUT':
        this.count('update', type);
        return reply(response, 200, this.store.replace(type, namespace, name, await readJson(request)));
      case 'PATCH': {
        this.count('patch', type);
        const contentType = request.headers['content-type'] ?? '';
        if (contentType.includes('json-patch')) throw new ApiError(415, 'UnsupportedMediaType', 'the stand-in applies merge and strategic-merge patches only');
        const patched = mergePatch(this.store.get(type, namespace, name), await readJson(request)) as KubeObject;
        return reply(response, 200, this.store.replace(type, namespace, name, patched));
      }
      case 'DELETE':
        this.count('delete', type);
        return reply(response, 200, this.store.delete(type, namespace, name));
      default:
        throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported`);
    }
  }

  private list(route: ResourceRoute, query: URLSearchParams, response: ServerResponse): void {
    this.count('list', route.type);
    const filter = this.filterFor(route, query);
    const items = this.store.list(route.type, route.namespace).filter(filter);
    reply(response, 200, {
      kind: `${route.type.kind}List`,
      apiVersion: apiVersionOf(route.type),
      metadata: { resourceVersion: this.store.resourceVersion },
      items,
    });
  }

  private watch(route: ResourceRoute, query: URLSearchParams, response: ServerResponse): void {
    this.count('watch', route.type);
    const requested = query.get('resourceVersion');
    const resourceVersion = requested === null || requested === '' ? null : Number(requested);
    if (resourceVersion !== null && !Number.isSafeInteger(resourceVersion)) {
      throw new ApiError(400, 'BadRequest', `invalid resource version: ${requested}`);
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '');
    const session = new WatchSession(
      this.store,
      response,
      {
        type: route.type,
        filter: this.filterFor(route, query),
        resourceVersion,
        bookmarks: isTrue(query.get('allowWatchBookmarks')),
        timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : null,
      },
      this.bookmarkIntervalMs,
      (closed) => this.sessions.delete(closed),
    );
    this.sessions.add(session);
    session.start();
  }

  private filterFor(route: ResourceRoute, query: URLSearchParams) {
    const selected = bothSelectors(query.get('labelSelector'), query.get('fieldSelector'));
    const namespace = route.namespace;
    return namespace === undefined ? selected : (o: KubeObject) => o.metadata?.namespace === namespace && selected(o);
  }

  private typeOf(object: KubeObject): ResourceType {
    const type = findByKind(object.apiVersion ?? '', object.kind ?? '');
    if (!type) throw new ApiError(400, 'BadRequest', `the stand-in does not serve ${object.apiVersion ?? '?'} ${object.kind ?? '?'}`);
    return type;
  }

  private count(verb: string, type: ResourceType): void {
    const key = `${verb} ${resourceId(type)}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
  }

  private fail(response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', (error as Error).message ?? String(error));
    reply(response, apiError.code, statusObject(apiError.code, apiError.reason, apiError.message, apiError.details));
  }
}

function requiredName(object: KubeObject): string {
  const name = object.metadata?.name;
  if (!name) throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
  return name;
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function reply(response: ServerResponse, status: number, body: object | string, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<KubeObject> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as KubeObject;
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `invalid request body: ${(error as Error).message}`);
  }
}
