/**
 * Where an address sits as far as the join cares: inside the cluster, a
 * Service VIP, loopback. Every half asks about its two addresses and a
 * cluster has few distinct ones, so answers are cached (bounded).
 */
import { CidrSet } from '@flowmesh/lib';

const LOOPBACK = CidrSet.parse(['127.0.0.0/8', '::1/128']);
/** Where an address sits, as bits: see the Scope helpers. */
export type Scope = number;
const IN_CLUSTER = 1;
const SERVICE = 2;
const IS_LOOPBACK = 4;
/** Distinct addresses remembered; the cache starts over when full (cheaper than LRU bookkeeping). */
const CACHE_LIMIT = 100_000;

/** A Service VIP (inside --service-cidrs). */
export const isService = (scope: Scope): boolean => (scope & SERVICE) !== 0;
/** Loopback conversations never leave their node, so the node is part of their identity. */
export const isLoopback = (scope: Scope): boolean => (scope & IS_LOOPBACK) !== 0;
/** Service ranges and loopback count as inside even when the cluster ranges omit them. */
export const isInCluster = (scope: Scope): boolean => (scope & IN_CLUSTER) !== 0;

export class AddressScope {
  private readonly cluster: CidrSet;
  private readonly services: CidrSet;
  private readonly cache = new Map<string, Scope>();

  constructor(clusterCidrs: readonly string[], serviceCidrs: readonly string[]) {
    this.cluster = CidrSet.parse(clusterCidrs);
    this.services = CidrSet.parse(serviceCidrs);
  }

  /** Classifies `ip` (cached: a half asks about its two addresses once each). */
  of(ip: string): Scope {
    let scope = this.cache.get(ip);
    if (scope === undefined) {
      const service = this.services.contains(ip);
      const loopback = LOOPBACK.contains(ip);
      scope = (service ? SERVICE : 0) | (loopback ? IS_LOOPBACK : 0) | (service || loopback || this.cluster.contains(ip) ? IN_CLUSTER : 0);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(ip, scope);
    }
    return scope;
  }
}
