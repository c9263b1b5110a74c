/**
 * The page and its JSON API, mounted on the service's HTTP server:
 *   GET /                        the map (index.html, /first-graph.js, /app.js, /style.css)
 *   GET /api/graph?range=&…      nodes and edges from Prometheus (see GraphQuery; a big map's overview: overview.ts)
 *   GET /api/edge?source=&target=&limit=&hideProbes=   recent flows of one edge
 *   GET /api/node?id=            labels, pods, processes and peers of one node
 *   GET /api/settings            what the page needs to know (refresh interval)
 * Everything is read-only: GET and HEAD only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, RouteHandler } from '@flowmesh/lib';
import { parseGraphQuery } from '../graph/graph-query.js';
import { fetchPairSeries } from '../graph/metric-queries.js';
import { buildMap } from '../graph/overview.js';
import type { PrometheusClient } from '../graph/prometheus-client.js';
import type { RecentFlows } from '../recent/recent-flows.js';
import type { Asset } from './web-assets.js';

export interface UiRouteOptions {
  assets: Map<string, Asset>;
  prometheus: PrometheusClient;
  recent: RecentFlows;
  refreshMs: number;
  probeWorkloads: ReadonlySet<string>;
  logger: Logger;
  /** Counts API answers by route and status. */
  observe(route: string, status: number, seconds: number): void;
}

const MAX_EDGE_FLOWS = 500;

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(body);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json', JSON.stringify(value));
}

export function uiRoutes(options: UiRouteOptions): RouteHandler {
  const { assets, prometheus, recent, logger } = options;

  const api: Record<string, (params: URLSearchParams, response: ServerResponse) => Promise<number>> = {
    async '/api/graph'(params, response) {
      const query = parseGraphQuery(params);
      try {
        json(response, 200, buildMap(await fetchPairSeries(prometheus, query), query, options.probeWorkloads));
        return 200;
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'graph query failed');
        json(response, 502, { error: (error as Error).message });
        return 502;
      }
    },
    async '/api/edge'(params, response) {
      const source = params.get('source');
      const target = params.get('target');
      if (!source || !target) {
        json(response, 400, { error: 'source and target are required' });
        return 400;
      }
      const limit = Math.min(MAX_EDGE_FLOWS, Math.max(1, Number(params.get('limit')) || 100));
      json(response, 200, { source, target, windowSize: recent.size, flows: recent.edge(source, target, limit, { hideSynthetic: params.get('hideProbes') === '1' }) });
      return 200;
    },
    async '/api/node'(params, response) {
      const id = params.get('id');
      if (!id) {
        json(response, 400, { error: 'id is required' });
        return 400;
      }
      json(response, 200, recent.node(id));
      return 200;
    },
    async '/api/settings'(_params, response) {
      json(response, 200, { refreshMs: options.refreshMs });
      return 200;
    },
  };

  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://ui');
    const asset = assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
    const handler = api[url.pathname];
    if (!asset && !handler) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' });
      response.end();
      return true;
    }
    if (asset) {
      send(response, 200, asset.type, asset.body);
      return true;
    }
    const started = process.hrtime.bigint();
    handler!(url.searchParams, response).then(
      (status) => options.observe(url.pathname, status, Number(process.hrtime.bigint() - started) / 1e9),
      (error: Error) => {
        logger.error({ err: error.message, path: url.pathname }, 'API handler failed');
        if (!response.headersSent) json(response, 500, { error: error.message });
      },
    );
    return true;
  };
}
