/** A per-service Prometheus registry with process metrics and the `service` label on everything. */
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'flowmesh_' });
  return registry;
}
