/** Where an address sits as far as the join cares: inside the cluster, a Service VIP, loopback. */
import { CidrSet } from './cidr.js';

const LOOPBACK = CidrSet.parse(['127.0.0.0/8', '::1/128']);

export class AddressScope {
  private readonly cluster: CidrSet;
  private readonly services: CidrSet;

  constructor(clusterCidrs: readonly string[], serviceCidrs: readonly string[]) {
    this.cluster = CidrSet.parse(clusterCidrs);
    this.services = CidrSet.parse(serviceCidrs);
  }

  isServiceAddress(ip: string): boolean {
    return this.services.contains(ip);
  }

  /** Loopback conversations never leave their node, so the node is part of their identity. */
  isLoopback(ip: string): boolean {
    return LOOPBACK.contains(ip);
  }

  /** Service ranges and loopback count as inside even when the cluster ranges omit them. */
  isInCluster(ip: string): boolean {
    return this.cluster.contains(ip) || this.services.contains(ip) || LOOPBACK.contains(ip);
  }
}
