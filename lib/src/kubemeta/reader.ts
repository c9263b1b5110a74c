/**
 * Batched reads of the kubemeta view, for the enricher. Everything one batch
 * of flows needs is answered in two round trips: `resolve()` first reads the
 * address and container keys, then every pod, service, node and namespace
 * they point at, each step a single MGET.
 */
import type { Redis } from 'ioredis';
import { KubemetaKeys } from './keys.js';
import {
  type ContainerRecord,
  type IpInterval,
  type NamespaceRecord,
  type NodeRecord,
  type PodRecord,
  type ServiceRecord,
  type ViewMeta,
  pickIncarnation,
  selectInterval,
} from './records.js';

export interface KubemetaReaderOptions {
  keys?: KubemetaKeys;
  /** When no interval contains a lookup's time, accept the nearest one this close (clock skew). @default 2000 */
  toleranceMs?: number;
  /** Keys per MGET. @default 2000 */
  mgetSize?: number;
}

/** Keys to read; pods and services as `namespace/name`. */
export interface ViewRequest {
  ips?: readonly string[];
  containers?: readonly string[];
  pods?: readonly string[];
  services?: readonly string[];
  nodes?: readonly string[];
  namespaces?: readonly string[];
}

/** What was found, keyed by the strings the request gave; absent keys are unknown to the view. */
export interface ViewSnapshot {
  ips: Map<string, IpInterval[]>;
  containers: Map<string, ContainerRecord>;
  /** Incarnations, newest first. */
  pods: Map<string, PodRecord[]>;
  services: Map<string, ServiceRecord[]>;
  nodes: Map<string, NodeRecord[]>;
  namespaces: Map<string, NamespaceRecord[]>;
}

export interface IpQuery {
  ip: string;
  /** The flow's time, ms since the epoch. */
  atMs: number;
}

/** Who held an address at a time, with the holder's record and its namespace's. */
export interface IpOwner {
  ip: string;
  atMs: number;
  interval: IpInterval;
  /** Exactly one of pod, service, node is set when the view still has the holder's record. */
  pod: PodRecord | null;
  service: ServiceRecord | null;
  node: NodeRecord | null;
  namespace: NamespaceRecord | null;
}

export interface ContainerOwner {
  id: string;
  container: ContainerRecord;
  pod: PodRecord | null;
  namespace: NamespaceRecord | null;
}

export interface ResolveRequest {
  ips?: readonly IpQuery[];
  containers?: readonly string[];
}

export interface Resolved {
  /** In the order of the request; null when nobody is known to have held the address then. */
  ips: (IpOwner | null)[];
  containers: Map<string, ContainerOwner>;
}

type Section = keyof ViewSnapshot;

const KEY_OF: Record<Section, (keys: KubemetaKeys, id: string) => string> = {
  ips: (k, id) => k.ip(id),
  containers: (k, id) => k.container(id),
  pods: (k, id) => k.full(`pod:${id}`),
  services: (k, id) => k.full(`svc:${id}`),
  nodes: (k, id) => k.node(id),
  namespaces: (k, id) => k.namespace(id),
};

export class KubemetaReader {
  readonly keys: KubemetaKeys;
  private readonly toleranceMs: number;
  private readonly mgetSize: number;

  constructor(
    private readonly redis: Redis,
    options: KubemetaReaderOptions = {},
  ) {
    this.keys = options.keys ?? new KubemetaKeys();
    this.toleranceMs = options.toleranceMs ?? 2000;
    this.mgetSize = options.mgetSize ?? 2000;
  }

  /** Reads any mix of keys in one round trip. */
  async fetch(request: ViewRequest): Promise<ViewSnapshot> {
    const snapshot: ViewSnapshot = { ips: new Map(), containers: new Map(), pods: new Map(), services: new Map(), nodes: new Map(), namespaces: new Map() };
    const wanted = new Map<string, { section: Section; id: string }[]>();
    for (const section of Object.keys(KEY_OF) as Section[]) {
      for (const id of request[section] ?? []) {
        const key = KEY_OF[section](this.keys, id);
        const readers = wanted.get(key) ?? [];
        readers.push({ section, id });
        wanted.set(key, readers);
      }
    }
    if (!wanted.size) return snapshot;
    const keys = [...wanted.keys()];
    const values = await this.mget(keys);
    keys.forEach((key, index) => {
      const value = values[index];
      if (value === null || value === undefined) return;
      const parsed = parseJson(value);
      if (parsed === undefined) return;
      for (const { section, id } of wanted.get(key)!) (snapshot[section] as Map<string, unknown>).set(id, parsed);
    });
    return snapshot;
  }

  async ipHistories(ips: readonly string[]): Promise<Map<string, IpInterval[]>> {
    return (await this.fetch({ ips })).ips;
  }

  async containers(ids: readonly string[]): Promise<Map<string, ContainerRecord>> {
    return (await this.fetch({ containers: ids })).containers;
  }

  /** Newest incarnation per `namespace/name`. */
  async pods(keys: readonly string[]): Promise<Map<string, PodRecord>> {
    return newest((await this.fetch({ pods: keys })).pods);
  }

  async services(keys: readonly string[]): Promise<Map<string, ServiceRecord>> {
    return newest((await this.fetch({ services: keys })).services);
  }

  async nodes(names: readonly string[]): Promise<Map<string, NodeRecord>> {
    return newest((await this.fetch({ nodes: names })).nodes);
  }

  async namespaces(names: readonly string[]): Promise<Map<string, NamespaceRecord>> {
    return newest((await this.fetch({ namespaces: names })).namespaces);
  }

  async lookupIps(queries: readonly IpQuery[]): Promise<(IpOwner | null)[]> {
    return (await this.resolve({ ips: queries })).ips;
  }

  async lookupContainers(ids: readonly string[]): Promise<Map<string, ContainerOwner>> {
    return (await this.resolve({ containers: ids })).containers;
  }

  /** Addresses at times and containers, with their holders' records: two round trips whatever the batch size. */
  async resolve(request: ResolveRequest): Promise<Resolved> {
    const queries = request.ips ?? [];
    const containerIds = request.containers ?? [];
    const first = await this.fetch({ ips: queries.map((q) => q.ip), containers: containerIds });

    const chosen = queries.map((q) => {
      const history = first.ips.get(q.ip);
      return history ? selectInterval(history, q.atMs, this.toleranceMs) : null;
    });
    const second = { pods: [] as string[], services: [] as string[], nodes: [] as string[], namespaces: [] as string[] };
    for (const interval of chosen) {
      if (!interval) continue;
      const objectKey = interval.namespace === null ? interval.name : `${interval.namespace}/${interval.name}`;
      if (interval.kind === 'pod') second.pods.push(objectKey);
      else if (interval.kind === 'service') second.services.push(objectKey);
      else second.nodes.push(objectKey);
      if (interval.namespace !== null) second.namespaces.push(interval.namespace);
    }
    for (const container of first.containers.values()) {
      second.pods.push(`${container.namespace}/${container.pod}`);
      second.namespaces.push(container.namespace);
    }
    const records = await this.fetch(second);

    const ips = queries.map((query, index): IpOwner | null => {
      const interval = chosen[index];
      if (!interval) return null;
      const objectKey = interval.namespace === null ? interval.name : `${interval.namespace}/${interval.name}`;
      return {
        ip: query.ip,
        atMs: query.atMs,
        interval,
        pod: interval.kind === 'pod' ? pickIncarnation(records.pods.get(objectKey), interval.uid) : null,
        service: interval.kind === 'service' ? pickIncarnation(records.services.get(objectKey), interval.uid) : null,
        node: interval.kind === 'node' ? pickIncarnation(records.nodes.get(objectKey), interval.uid) : null,
        namespace: interval.namespace === null ? null : pickIncarnation(records.namespaces.get(interval.namespace)),
      };
    });
    const containers = new Map<string, ContainerOwner>();
    for (const [id, container] of first.containers) {
      containers.set(id, {
        id,
        container,
        pod: pickIncarnation(records.pods.get(`${container.namespace}/${container.pod}`), container.podUid),
        namespace: pickIncarnation(records.namespaces.get(container.namespace)),
      });
    }
    return { ips, containers };
  }

  async meta(): Promise<ViewMeta | null> {
    const value = await this.redis.get(this.keys.meta);
    return value === null ? null : ((parseJson(value) as ViewMeta | undefined) ?? null);
  }

  private async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length <= this.mgetSize) return this.redis.mget(keys as string[]);
    // Several MGETs in one pipeline: still one round trip.
    const pipeline = this.redis.pipeline();
    for (let start = 0; start < keys.length; start += this.mgetSize) pipeline.mget(keys.slice(start, start + this.mgetSize));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, value]) => {
      if (error) throw error;
      return value as (string | null)[];
    });
  }
}

function newest<R extends { uid: string; createdAt: number; deletedAt: number | null }>(incarnations: Map<string, R[]>): Map<string, R> {
  const out = new Map<string, R>();
  for (const [key, records] of incarnations) {
    const record = pickIncarnation(records);
    if (record) out.set(key, record);
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
