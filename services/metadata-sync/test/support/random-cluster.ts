/**
 * A seeded random workload of Kubernetes changes for the consistency test:
 * pods coming, changing and going (with reused addresses and reused
 * StatefulSet names), services, EndpointSlices, ReplicaSets, Jobs, nodes and
 * namespaces. It records, for every deletion, which version of the object
 * metadata-sync could have seen last, so the test knows the tombstones to expect.
 */
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { type KubeApiStandin, type KubeObject, RESOURCE_TYPES } from '../../src/standin/index.js';
import { type ModelDeps, type ModelRecord, ownerKeyOf, recordModel } from './view-model.js';

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes objects either in-process (a batch runs without yielding to I/O) or through the real client over HTTP. */
export interface Mutator {
  create(object: KubeObject): Promise<KubeObject>;
  replace(object: KubeObject): Promise<KubeObject>;
  remove(object: KubeObject): Promise<void>;
}

export function inProcessMutator(standin: KubeApiStandin): Mutator {
  return {
    create: async (o) => standin.create(o),
    replace: async (o) => standin.replace(o),
    remove: async (o) => {
      standin.remove(o.apiVersion!, o.kind!, o.metadata!.name!, o.metadata!.namespace);
    },
  };
}

export function httpMutator(api: KubernetesObjectApi): Mutator {
  const plain = (o: unknown) => JSON.parse(JSON.stringify(o)) as KubeObject;
  return {
    create: async (o) => plain(await api.create(o as never)),
    replace: async (o) => plain(await api.replace(o as never)),
    remove: async (o) => {
      await api.delete(o as never);
    },
  };
}

export interface ExpectedTombstone {
  model: ModelRecord;
  /** deletedAt must fall in [earliest, latest]. */
  earliest: number;
  latest: number;
}

export type RoundKind = 'pods' | 'deps';
export type Disruption = 'none' | 'end' | 'destroy' | 'expire' | 'compact-end' | 'compact-destroy';

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
const APPS = ['web', 'api', 'db', 'batch'];
const BASE_NODES = ['node-1', 'node-2', 'node-3', 'node-4'];
const RECORD_KINDS = new Set(['Pod', 'Service', 'Node', 'Namespace']);

const TYPE_OF: Record<string, { apiVersion: string; kind: string }> = {
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  Service: { apiVersion: 'v1', kind: 'Service' },
  Node: { apiVersion: 'v1', kind: 'Node' },
  Namespace: { apiVersion: 'v1', kind: 'Namespace' },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  ReplicaSet: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  StatefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  DaemonSet: { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  Job: { apiVersion: 'batch/v1', kind: 'Job' },
  CronJob: { apiVersion: 'batch/v1', kind: 'CronJob' },
};

const second = (at = Date.now()) => new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class RandomCluster {
  readonly tombstones: ExpectedTombstone[] = [];
  mutations = 0;
  private readonly deadOwners = new Map<string, { kind: string; name: string } | null>();
  private counter = 0;
  private pending: ModelRecord[] = [];
  private roundStart: Map<string, KubeObject> | undefined;

  constructor(
    private readonly standin: KubeApiStandin,
    private readonly random: Random,
  ) {}

  // ---- reading the stand-in ----------------------------------------------------------------

  list(kind: string, namespace?: string): KubeObject[] {
    return this.standin.store.list(RESOURCE_TYPES.find((t) => t.kind === kind)!, namespace);
  }

  deps(): ModelDeps {
    const ownerControllers = new Map(this.deadOwners);
    for (const kind of ['ReplicaSet', 'Job']) {
      for (const owner of this.list(kind)) ownerControllers.set(ownerKeyOf(kind, owner.metadata!.namespace!, owner.metadata!.name!), controllerRef(owner));
    }
    return { ownerControllers, services: this.list('Service'), slices: this.list('EndpointSlice') };
  }

  /** Records of every live object, as the model computes them now. */
  liveRecords(): ModelRecord[] {
    const deps = this.deps();
    return [...RECORD_KINDS].flatMap((kind) => this.list(kind).map((o) => recordModel(kind, o, deps)!));
  }

  // ---- building ------------------------------------------------------------------------------

  async setup(mutator: Mutator): Promise<void> {
    for (const name of NAMESPACES) await this.create(mutator, 'Namespace', { metadata: { name, labels: { team: name } } });
    for (const [index, name] of BASE_NODES.entries()) await this.create(mutator, 'Node', nodeObject(name, `192.168.1.${index + 1}`, `zone-${index % 2}`));
    for (const namespace of NAMESPACES) {
      await this.create(mutator, 'Deployment', { metadata: { name: 'web', namespace } });
      await this.create(mutator, 'CronJob', { metadata: { name: 'nightly', namespace } });
      await this.create(mutator, 'StatefulSet', { metadata: { name: 'db', namespace } });
      await this.create(mutator, 'DaemonSet', { metadata: { name: 'agent', namespace } });
    }
  }

  /**
   * One round of `operations` changes. With a disruption the watches are cut
   * first; 'expire' and 'compact-*' make the informers relist, so they only
   * see the round's end state: what was deleted leaves the version from the
   * start of the round as tombstone, and what came and went is never seen.
   */
  async round(kind: RoundKind, disruption: Disruption, operations: number, mutator: Mutator, settle: () => Promise<void>): Promise<void> {
    const relists = disruption === 'expire' || disruption.startsWith('compact');
    this.roundStart = relists ? new Map(Object.keys(TYPE_OF).flatMap((k) => this.list(k).map((o) => [o.metadata!.uid!, o] as const))) : undefined;
    this.pending = [];
    const earliest = Math.floor(Date.now() / 1000) * 1000;
    if (disruption === 'expire') this.standin.dropWatches('expire');
    else if (disruption !== 'none') this.standin.dropWatches(disruption.endsWith('destroy') ? 'destroy' : 'end');
    for (let i = 0; i < operations; i += 1) await this.step(kind, mutator);
    if (disruption.startsWith('compact')) this.standin.compact();
    await settle();
    const latest = Date.now();
    for (const model of this.pending) this.tombstones.push({ model, earliest, latest });
    this.roundStart = undefined;
  }

  private async step(kind: RoundKind, mutator: Mutator): Promise<void> {
    const roll = this.random();
    if (kind === 'pods') {
      if (roll < 0.35) return this.createPod(mutator);
      if (roll < 0.7) return this.updatePod(mutator);
      if (roll < 0.85) return this.deleteRandom(mutator, 'Pod');
      if (roll < 0.9) return this.recycleStatefulPod(mutator);
      if (roll < 0.95) return this.relabel(mutator, 'Namespace', 'team');
      return this.relabel(mutator, 'Node', 'rack');
    }
    const table: [number, () => Promise<void>][] = [
      [0.15, () => this.createPod(mutator)],
      [0.3, () => this.updatePod(mutator)],
      [0.42, () => this.createService(mutator)],
      [0.52, () => this.updateService(mutator)],
      [0.6, () => this.deleteRandom(mutator, 'Service')],
      [0.68, () => this.writeSlice(mutator, true)],
      [0.75, () => this.writeSlice(mutator, false)],
      [0.8, () => this.deleteRandom(mutator, 'EndpointSlice')],
      [0.86, () => this.createOwner(mutator, 'ReplicaSet')],
      [0.9, () => this.deleteRandom(mutator, 'ReplicaSet')],
      [0.94, () => this.createOwner(mutator, 'Job')],
      [0.97, () => this.deleteRandom(mutator, 'Job')],
      [0.98, () => this.createExtraNode(mutator)],
      [0.99, () => this.deleteRandom(mutator, 'Node', (n) => n.metadata!.name!.startsWith('node-x'))],
      [1, () => this.churnNamespace(mutator)],
    ];
    return table.find(([limit]) => roll < limit)![1]();
  }

  // ---- operations ----------------------------------------------------------------------------

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(this.random() * items.length)] : undefined;
  }

  private freeAddress(prefix: string, count: number, taken: Set<string>): string | undefined {
    return this.pick(Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`).filter((ip) => !taken.has(ip)));
  }

  private heldPodIps(): Set<string> {
    return new Set(
      this.list('Pod')
        .filter((p) => !['Succeeded', 'Failed'].includes(status(p)['phase']) && !spec(p)['hostNetwork'])
        .map((p) => status(p)['podIP'])
        .filter(Boolean),
    );
  }

  private runningStatus(pod: KubeObject): Record<string, unknown> | undefined {
    const hostNetwork = spec(pod)['hostNetwork'] === true;
    const node = this.list('Node').find((n) => n.metadata!.name === spec(pod)['nodeName']);
    const ip = hostNetwork ? (node?.['status'] as any)?.addresses?.[0]?.address : this.freeAddress('10.0.0.', 40, this.heldPodIps());
    if (!ip) return undefined;
    const now = second();
    return {
      phase: 'Running',
      podIP: ip,
      startTime: now,
      ...(this.random() < 0.5 ? { conditions: [{ type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now }] } : {}),
      containerStatuses: [{ name: 'main', containerID: `containerd://${this.hex()}`, image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: now } } }],
    };
  }

  private hex(): string {
    this.counter += 1;
    return `${this.counter.toString(16).padStart(8, '0')}${Math.floor(this.random() * 0xffffffff).toString(16).padStart(8, '0')}`;
  }

  private async createPod(mutator: Mutator): Promise<void> {
    const namespace = this.pick(NAMESPACES)!;
    const owners: (() => { name: string; owner?: { kind: string; name: string }; hostNetwork?: boolean } | undefined)[] = [
      () => {
        const rs = this.pick(this.list('ReplicaSet', namespace));
        return rs && { name: `${rs.metadata!.name}-${this.hex().slice(-5)}`, owner: { kind: 'ReplicaSet', name: rs.metadata!.name! } };
      },
      () => {
        const job = this.pick(this.list('Job', namespace));
        return job && { name: `${job.metadata!.name}-${this.hex().slice(-5)}`, owner: { kind: 'Job', name: job.metadata!.name! } };
      },
      () => {
        // StatefulSet pods reuse names: db-0 .. db-2 come back as new incarnations.
        const live = new Set(this.list('Pod', namespace).map((p) => p.metadata!.name));
        const name = ['db-0', 'db-1', 'db-2'].find((n) => !live.has(n));
        return name ? { name, owner: { kind: 'StatefulSet', name: 'db' } } : undefined;
      },
      () => ({ name: `agent-${this.hex().slice(-5)}`, owner: { kind: 'DaemonSet', name: 'agent' }, hostNetwork: this.random() < 0.4 }),
      () => ({ name: `bare-${this.hex().slice(-5)}` }),
    ];
    const choice = this.pick(owners)!();
    if (!choice) return;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: choice.name,
        namespace,
        labels: { app: this.pick(APPS)!, ...(this.random() < 0.3 ? { tier: 'backend' } : {}) },
        ...(choice.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: choice.owner.kind, name: choice.owner.name, uid: 'owner-uid', controller: true }] } : {}),
      },
      spec: { nodeName: this.pick(this.list('Node').map((n) => n.metadata!.name!)), hostNetwork: choice.hostNetwork === true, containers: [{ name: 'main', image: 'x' }] },
      status: { phase: 'Pending' },
    };
    if (this.random() < 0.6) {
      const running = this.runningStatus(pod);
      if (running) pod['status'] = running;
    }
    await this.create(mutator, 'Pod', pod);
  }

  private async updatePod(mutator: Mutator): Promise<void> {
    const pod = this.pick(this.list('Pod'));
    if (!pod) return;
    const phase = status(pod)['phase'];
    const roll = this.random();
    if (phase === 'Pending') {
      const running = this.runningStatus(pod);
      if (!running) return;
      pod['status'] = running;
    } else if (phase === 'Running' && roll < 0.3) {
      const finishedAt = second();
      pod['status'] = {
        ...status(pod),
        phase: 'Succeeded',
        containerStatuses: (status(pod)['containerStatuses'] ?? []).map((c: any) => ({ ...c, ready: false, state: { terminated: { exitCode: 0, finishedAt, containerID: c.containerID } } })),
      };
    } else if (phase === 'Running' && roll < 0.6) {
      pod['status'] = {
        ...status(pod),
        containerStatuses: (status(pod)['containerStatuses'] ?? []).map((c: any) => ({
          ...c,
          restartCount: c.restartCount + 1,
          lastState: { terminated: { exitCode: 1, finishedAt: second(), containerID: c.containerID } },
          containerID: `containerd://${this.hex()}`,
        })),
      };
    } else {
      pod.metadata!.labels = { ...pod.metadata!.labels, app: this.pick(APPS)! };
    }
    await this.replace(mutator, pod);
  }

  /** What a StatefulSet controller does: delete db-N and create it again at once, a new incarnation under the same name. */
  private async recycleStatefulPod(mutator: Mutator): Promise<void> {
    const pod = this.pick(this.list('Pod').filter((p) => /^db-\d$/.test(p.metadata!.name!)));
    if (!pod) return;
    await this.remove(mutator, pod);
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, deletionTimestamp: _deleted, ...metadata } = pod.metadata!;
    const again: KubeObject = { ...pod, metadata, status: { phase: 'Pending' } };
    const running = this.runningStatus(again);
    await this.create(mutator, 'Pod', running ? { ...again, status: running } : again);
  }

  private async createService(mutator: Mutator): Promise<void> {
    const held = new Set(this.list('Service').map((s) => spec(s)['clusterIP']));
    const ip = this.freeAddress('10.96.0.', 20, held);
    if (!ip) return;
    const selectorLess = this.random() < 0.3;
    await this.create(mutator, 'Service', {
      metadata: { name: `svc-${this.hex().slice(-6)}`, namespace: this.pick(NAMESPACES)!, labels: { owner: this.pick(APPS)! } },
      spec: { clusterIP: ip, ...(selectorLess ? {} : { selector: { app: this.pick(APPS)! } }), ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
  }

  private async updateService(mutator: Mutator): Promise<void> {
    const service = this.pick(this.list('Service'));
    if (!service) return;
    const current = spec(service);
    if (current['selector']) service['spec'] = { ...current, selector: { app: this.pick(APPS)! } };
    else service.metadata!.labels = { owner: this.pick(APPS)! };
    await this.replace(mutator, service);
  }

  private async writeSlice(mutator: Mutator, create: boolean): Promise<void> {
    const service = create ? this.pick(this.list('Service').filter((s) => !spec(s)['selector'])) : undefined;
    const existing = create ? undefined : this.pick(this.list('EndpointSlice'));
    const namespace = service?.metadata!.namespace ?? existing?.metadata!.namespace;
    if (!namespace) return;
    const pods = this.list('Pod', namespace);
    const targets = Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.pick(pods)?.metadata!.name ?? 'gone-pod');
    const endpoints = targets.map((name) => ({ addresses: ['10.0.0.250'], targetRef: { kind: 'Pod', name, namespace } }));
    if (existing) {
      existing['endpoints'] = endpoints;
      await this.replace(mutator, existing);
    } else {
      await this.create(mutator, 'EndpointSlice', {
        metadata: { name: `${service!.metadata!.name}-${this.hex().slice(-5)}`, namespace, labels: { 'kubernetes.io/service-name': service!.metadata!.name! } },
        addressType: 'IPv4',
        endpoints,
      });
    }
  }

  private async createOwner(mutator: Mutator, kind: 'ReplicaSet' | 'Job'): Promise<void> {
    const namespace = this.pick(NAMESPACES)!;
    const top = kind === 'ReplicaSet' ? { kind: 'Deployment', name: 'web' } : this.random() < 0.7 ? { kind: 'CronJob', name: 'nightly' } : undefined;
    await this.create(mutator, kind, {
      metadata: {
        name: `${kind === 'ReplicaSet' ? 'web' : 'job'}-${this.hex().slice(-6)}`,
        namespace,
        ...(top ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: top.kind, name: top.name, uid: 'top-uid', controller: true }] } : {}),
      },
    });
  }

  private async createExtraNode(mutator: Mutator): Promise<void> {
    const held = new Set(this.list('Node').map((n) => (n['status'] as any).addresses[0].address));
    const ip = this.freeAddress('192.168.2.', 6, held);
    if (ip) await this.create(mutator, 'Node', nodeObject(`node-x${this.hex().slice(-5)}`, ip, 'zone-x'));
  }

  private async churnNamespace(mutator: Mutator): Promise<void> {
    const temporary = this.list('Namespace').find((n) => n.metadata!.name!.startsWith('tmp-'));
    if (temporary) await this.remove(mutator, temporary);
    else await this.create(mutator, 'Namespace', { metadata: { name: `tmp-${this.hex().slice(-5)}` } });
  }

  private async relabel(mutator: Mutator, kind: string, label: string): Promise<void> {
    const object = this.pick(this.list(kind));
    if (!object) return;
    object.metadata!.labels = { ...object.metadata!.labels, [label]: this.hex().slice(-4) };
    await this.replace(mutator, object);
  }

  private async deleteRandom(mutator: Mutator, kind: string, filter: (o: KubeObject) => boolean = () => true): Promise<void> {
    const object = this.pick(this.list(kind).filter(filter));
    if (object) await this.remove(mutator, object);
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  private async create(mutator: Mutator, kind: string, object: KubeObject): Promise<void> {
    this.mutations += 1;
    await mutator.create({ ...TYPE_OF[kind]!, ...object });
  }

  private async replace(mutator: Mutator, object: KubeObject): Promise<void> {
    this.mutations += 1;
    await mutator.replace(object);
  }

  private async remove(mutator: Mutator, object: KubeObject): Promise<void> {
    const kind = object.kind!;
    const uid = object.metadata!.uid!;
    // What the informer last saw: the version at the round's start when it relists, else the final one.
    const seen = this.roundStart ? this.roundStart.get(uid) : object;
    if (seen && RECORD_KINDS.has(kind)) this.pending.push(recordModel(kind, seen, this.deps())!);
    if (seen && (kind === 'ReplicaSet' || kind === 'Job')) {
      this.deadOwners.set(ownerKeyOf(kind, seen.metadata!.namespace!, seen.metadata!.name!), controllerRef(seen));
    }
    this.mutations += 1;
    await mutator.remove(object);
  }
}

function status(object: KubeObject): Record<string, any> {
  return (object['status'] ?? {}) as Record<string, any>;
}

function spec(object: KubeObject): Record<string, any> {
  return (object['spec'] ?? {}) as Record<string, any>;
}

function controllerRef(object: KubeObject): { kind: string; name: string } | null {
  const refs = (object.metadata?.['ownerReferences'] as { kind: string; name: string; controller?: boolean }[] | undefined) ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name } : null;
}

function nodeObject(name: string, ip: string, zone: string): KubeObject {
  return { metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } }, status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } };
}
