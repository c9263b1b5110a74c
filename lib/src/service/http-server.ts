/**
 * The operational HTTP endpoints every service exposes: /metrics, /healthz,
 * /readyz. A service with pages or an API of its own (the ui) mounts a route
 * handler on the same server, so it keeps one port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Health } from './health.js';
import { OperatorError } from './operator-error.js';
import { renderMetrics } from './metrics.js';

/** Answers a request it owns and returns true; false passes it on (to the next handler, then the 404). */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface HttpRoutes {
  /** Adds a handler tried, in mount order, for every path other than /metrics, /healthz and /readyz. */
  mount(handler: RouteHandler): void;
}

export interface OpsServer extends HttpRoutes {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: { host: string; port: number; registry: Registry; health: Health }): Promise<OpsServer> {
  const handlers: RouteHandler[] = [];
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'Content-Type': type });
      response.end(body);
    };
    if (path === '/metrics') {
      renderMetrics(options.registry)
        .then((text) => reply(200, options.registry.contentType, text))
        .catch((error: Error) => reply(500, 'text/plain', error.message));
    } else if (path === '/healthz' || path === '/readyz') {
      const result = path === '/healthz' ? options.health.live() : options.health.ready();
      reply(result.ok ? 200 : 503, 'application/json', JSON.stringify(result));
    } else if (!handlers.some((handler) => handler(request, response))) {
      reply(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    mount: (handler) => void handlers.push(handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A bind failure as one line naming the option to change. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const why: Record<string, string> = {
    EADDRINUSE: 'address already in use (another service on this host has it; give this one another --http-port)',
    EACCES: 'permission denied (ports below 1024 need root; choose another --http-port)',
    EADDRNOTAVAIL: 'no such local address (check --http-host)',
  };
  const reason = error.code ? why[error.code] : undefined;
  return reason ? new OperatorError(`cannot listen on ${host}:${port} (--http-port): ${reason}`, 2) : error;
}
