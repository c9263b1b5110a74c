/**
 * Where an address sits as far as the join cares: inside the cluster, a
 * Service VIP, loopback. Every half asks about two or three addresses and a
 * cluster has few distinct ones, so answers are cached (bounded).
 */
import { CidrSet } from '@flowmesh/lib';

const LOOPBACK = CidrSet.parse(['127.0.0.0/8', '::1/128']);
const IN_CLUSTER = 1;
const SERVICE = 2;
const IS_LOOPBACK = 4;
/** Distinct addresses remembered; the cache starts over when full (cheaper than LRU bookkeeping). */
const CACHE_LIMIT = 100_000;

export class AddressScope {
  private readonly cluster: CidrSet;
  private readonly services: CidrSet;
  private readonly cache = new Map<string, number>();

  constructor(clusterCidrs: readonly string[], serviceCidrs: readonly string[]) {
    this.cluster = CidrSet.parse(clusterCidrs);
    this.services = CidrSet.parse(serviceCidrs);
  }

  isServiceAddress(ip: string): boolean {
    return (this.classify(ip) & SERVICE) !== 0;
  }

  /** Loopback conversations never leave their node, so the node is part of their identity. */
  isLoopback(ip: string): boolean {
    return (this.classify(ip) & IS_LOOPBACK) !== 0;
  }

  /** Service ranges and loopback count as inside even when the cluster ranges omit them. */
  isInCluster(ip: string): boolean {
    return (this.classify(ip) & IN_CLUSTER) !== 0;
  }

  private classify(ip: string): number {
    let flags = this.cache.get(ip);
    if (flags === undefined) {
      const service = this.services.contains(ip);
      const loopback = LOOPBACK.contains(ip);
      flags = (service ? SERVICE : 0) | (loopback ? IS_LOOPBACK : 0) | (service || loopback || this.cluster.contains(ip) ? IN_CLUSTER : 0);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(ip, flags);
    }
    return flags;
  }
}
