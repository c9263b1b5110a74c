/** A per-service Prometheus registry with process metrics and the `service` label on everything. */
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'flowmesh_' });
  return registry;
}

/**
 * Renders metric families already in the Prometheus text format, for a service
 * with so many series that prom-client's per-sample label handling dominates a
 * scrape (flow-metrics). Its output must carry the registry's default labels itself.
 */
export type TextCollector = () => string;

const textCollectors = new WeakMap<Registry, TextCollector[]>();

/** Adds `collector`'s text to what /metrics serves for `registry`. */
export function addTextCollector(registry: Registry, collector: TextCollector): void {
  const collectors = textCollectors.get(registry) ?? [];
  collectors.push(collector);
  textCollectors.set(registry, collectors);
}

/** The registry's metrics followed by its text collectors' (what /metrics serves). */
export async function renderMetrics(registry: Registry): Promise<string> {
  const text = await registry.metrics();
  const collectors = textCollectors.get(registry);
  if (!collectors) return text;
  return [text, ...collectors.map((collect) => collect())].join('\n');
}
