/**
 * The stand-in's storage: objects per resource type, one global monotonically
 * increasing resourceVersion (as etcd's revision), and a bounded history of
 * change events that watches resume from. Versions older than the retained
 * history are "expired" and answered with 410 Gone, as a compacted etcd does.
 */
import { randomUUID } from 'node:crypto';
import { type ResourceType, apiVersionOf, resourceId } from './resource-types.js';

export interface ObjectMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetadata;
  [field: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  resourceVersion: number;
  type: ChangeType;
  resource: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED, so filtered watches can tell entering from leaving. */
  previous?: KubeObject;
}

/** A failure the HTTP layer turns into a `Status` object. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; kind?: string },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Kubernetes timestamps have second precision. */
export function kubeTimestamp(at = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export interface ObjectStoreOptions {
  /** Change events kept for resuming watches; older versions get 410 Gone. */
  historyLimit?: number;
}

export class ObjectStore {
  private version = 1;
  private oldestResumable = 1;
  private history: StoreEvent[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly historyLimit: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 10_000;
  }

  get resourceVersion(): string {
    return String(this.version);
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...this.bucket(type).values()];
    const inScope = namespace ? all.filter((o) => o.metadata?.namespace === namespace) : all;
    return inScope.map((o) => structuredClone(o));
  }

  has(type: ResourceType, namespace: string | undefined, name: string): boolean {
    return this.bucket(type).has(objectKey(namespace, name));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.bucket(type).get(objectKey(namespace, name));
    if (!found) throw notFound(type, name);
    return structuredClone(found);
  }

  create(type: ResourceType, input: KubeObject, namespace?: string): KubeObject {
    const object = this.normalise(type, input, namespace);
    const metadata = object.metadata!;
    if (!metadata.name && metadata.generateName) metadata.name = metadata.generateName + randomUUID().slice(0, 5);
    if (!metadata.name) throw new ApiError(422, 'Invalid', `${type.kind}: metadata.name: Required value`, { kind: type.kind });
    const key = objectKey(metadata.namespace, metadata.name);
    if (this.bucket(type).has(key)) {
      throw new ApiError(409, 'AlreadyExists', `${type.plural} "${metadata.name}" already exists`, { name: metadata.name, kind: type.plural });
    }
    metadata.uid = metadata.uid ?? randomUUID();
    // Clients may not set it on a real server; the stand-in keeps a given one so seeds can describe the past.
    metadata.creationTimestamp = metadata.creationTimestamp ?? kubeTimestamp();
    metadata.generation = 1;
    delete metadata.deletionTimestamp;
    return this.commit(type, 'ADDED', key, object);
  }

  /** PUT semantics: optimistic concurrency on metadata.resourceVersion when the caller sends one. */
  replace(type: ResourceType, namespace: string | undefined, name: string, input: KubeObject): KubeObject {
    const key = objectKey(namespace, name);
    const current = this.bucket(type).get(key);
    if (!current) throw notFound(type, name);
    const object = this.normalise(type, input, namespace);
    const metadata = object.metadata!;
    if (metadata.name !== undefined && metadata.name !== name) {
      throw new ApiError(400, 'BadRequest', `the name of the object (${metadata.name}) does not match the name on the URL (${name})`);
    }
    const sent = metadata.resourceVersion;
    if (sent !== undefined && sent !== '' && sent !== current.metadata?.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: type.plural });
    }
    metadata.name = name;
    metadata.uid = current.metadata?.uid;
    metadata.creationTimestamp = current.metadata?.creationTimestamp;
    const specChanged = JSON.stringify(object['spec']) !== JSON.stringify(current['spec']);
    metadata.generation = (current.metadata?.generation ?? 1) + (specChanged ? 1 : 0);
    return this.commit(type, 'MODIFIED', key, object, current);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = objectKey(namespace, name);
    const current = this.bucket(type).get(key);
    if (!current) throw notFound(type, name);
    const object = structuredClone(current);
    object.metadata!.deletionTimestamp = object.metadata!.deletionTimestamp ?? kubeTimestamp();
    return this.commit(type, 'DELETED', key, object, current);
  }

  /** Events of one resource type after `resourceVersion`, or 'expired' when history no longer reaches back that far. */
  eventsAfter(type: ResourceType, resourceVersion: number): StoreEvent[] | 'expired' {
    if (resourceVersion < this.oldestResumable) return 'expired';
    let low = 0;
    let high = this.history.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.history[mid]!.resourceVersion <= resourceVersion) low = mid + 1;
      else high = mid;
    }
    return this.history.slice(low).filter((e) => e.resource === type);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets all history: every version handed out so far becomes too old to resume from (410 Gone). */
  compact(): void {
    this.version += 1;
    this.history = [];
    this.oldestResumable = this.version;
  }

  private commit(type: ResourceType, change: ChangeType, key: string, object: KubeObject, previous?: KubeObject): KubeObject {
    this.version += 1;
    object.metadata!.resourceVersion = String(this.version);
    if (change === 'DELETED') this.bucket(type).delete(key);
    else this.bucket(type).set(key, object);
    const event: StoreEvent = { resourceVersion: this.version, type: change, resource: type, object, ...(previous ? { previous } : {}) };
    this.remember(event);
    for (const listener of this.listeners) listener(event);
    return structuredClone(object);
  }

  private remember(event: StoreEvent): void {
    this.history.push(event);
    // Trim in chunks so a busy store does not shift the array on every write.
    if (this.history.length > this.historyLimit * 1.25) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.oldestResumable = dropped[dropped.length - 1]!.resourceVersion;
    }
  }

  private normalise(type: ResourceType, input: KubeObject, namespace: string | undefined): KubeObject {
    const object = structuredClone(input);
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw new ApiError(400, 'BadRequest', `kind ${object.kind} does not match the ${type.plural} endpoint`);
    }
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata = { ...(object.metadata ?? {}) };
    if (type.namespaced) {
      const ns = namespace ?? object.metadata.namespace;
      if (!ns) throw new ApiError(400, 'BadRequest', `${type.kind} is namespaced: metadata.namespace is required`);
      if (object.metadata.namespace && object.metadata.namespace !== ns) {
        throw new ApiError(400, 'BadRequest', `the namespace of the object (${object.metadata.namespace}) does not match the namespace on the request (${ns})`);
      }
      object.metadata.namespace = ns;
    } else {
      delete object.metadata.namespace;
    }
    return object;
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const id = resourceId(type);
    let bucket = this.objects.get(id);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(id, bucket);
    }
    return bucket;
  }
}

function notFound(type: ResourceType, name: string): ApiError {
  const group = type.group ? `.${type.group}` : '';
  return new ApiError(404, 'NotFound', `${type.plural}${group} "${name}" not found`, { name, kind: type.plural });
}
