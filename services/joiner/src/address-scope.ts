/**
 * Where an address sits as far as the join cares: inside the cluster, a
 * Service VIP, loopback. Every half asks about its two addresses: an IPv4
 * address is parsed and checked on integers, which is cheaper than looking
 * its text up; other addresses are parsed once and their answers cached (bounded).
 */
import { CidrSet, parseIpv6 } from '@flowmesh/lib';

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

  /** Classifies `ip`; `v4` is it parsed as IPv4 (parseIpv4; the join parses it for its keys anyway), null when it is not one. */
  of(ip: string, v4: number | null): Scope {
    if (v4 !== null) return scopeOf(this.services.containsIpv4(v4), LOOPBACK.containsIpv4(v4), this.cluster.containsIpv4(v4));
    let scope = this.cache.get(ip);
    if (scope === undefined) {
      const v6 = parseIpv6(ip);
      // Not an address at all: inside no range.
      scope = v6 === null ? 0 : scopeOf(this.services.containsIpv6(v6), LOOPBACK.containsIpv6(v6), this.cluster.containsIpv6(v6));
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(ip, scope);
    }
    return scope;
  }
}

/** Service ranges and loopback count as inside the cluster. */
function scopeOf(service: boolean, loopback: boolean, cluster: boolean): Scope {
  return (service ? SERVICE : 0) | (loopback ? IS_LOOPBACK : 0) | (service || loopback || cluster ? IN_CLUSTER : 0);
}
