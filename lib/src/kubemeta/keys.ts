/**
 * Key layout of the kubemeta view in Redis. Every key starts with
 * `<base>:v<schema>:` so a future layout can be written beside this one and
 * readers switch over when they are upgraded. See docs/kubemeta.md.
 *
 *   <p>ip:<address>            IP → holder intervals
 *   <p>ctr:<container id>      container → pod and container name
 *   <p>pod:<namespace>/<name>  pod incarnations
 *   <p>svc:<namespace>/<name>  service incarnations
 *   <p>node:<name>             node incarnations
 *   <p>ns:<name>               namespace incarnations
 *   <p>meta                    who writes the view and when it was last synced
 *   <p>changes                 pub/sub channel announcing changed keys
 */
export const KUBEMETA_SCHEMA_VERSION = 1;

export const VIEW_KEY_TYPES = ['ip', 'ctr', 'pod', 'svc', 'node', 'ns'] as const;
export type ViewKeyType = (typeof VIEW_KEY_TYPES)[number];

/** A view key without its prefix, e.g. `pod:default/web-0`. */
export type ViewKeyName = `${ViewKeyType}:${string}`;

export function viewKeyName(type: ViewKeyType, id: string): ViewKeyName {
  return `${type}:${id}`;
}

/** Splits `pod:default/web-0` into its type and id; undefined for anything else. */
export function splitViewKeyName(name: string): { type: ViewKeyType; id: string } | undefined {
  const colon = name.indexOf(':');
  const type = name.slice(0, colon) as ViewKeyType;
  if (colon < 1 || !VIEW_KEY_TYPES.includes(type)) return undefined;
  return { type, id: name.slice(colon + 1) };
}

/**
 * Canonical text of an address as used in keys: lower case, and IPv4-mapped
 * IPv6 (`::ffff:10.0.0.5`, as dual-stack sockets report IPv4 peers) as plain IPv4.
 */
export function normalizeIp(ip: string): string {
  if (isCanonicalIp(ip)) return ip; // the common case, without allocating (the enricher asks for every flow end)
  const lower = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

/** No surrounding space, no upper case, not IPv4-mapped: normalizeIp would return it unchanged. */
function isCanonicalIp(ip: string): boolean {
  const last = ip.length - 1;
  if (last < 0 || ip.charCodeAt(0) <= 0x20 || ip.charCodeAt(last) <= 0x20 || ip.startsWith('::ffff:')) return false;
  for (let i = 0; i <= last; i++) {
    const c = ip.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) return false; // A-Z, or anything toLowerCase might change
  }
  return true;
}

/** A container id without its runtime scheme: `containerd://abc…` → `abc…` (what cgroup paths carry). */
export function normalizeContainerId(id: string): string {
  const scheme = id.indexOf('://');
  return (scheme >= 0 ? id.slice(scheme + 3) : id).trim().toLowerCase();
}

export class KubemetaKeys {
  /** e.g. `km:v1:` */
  readonly prefix: string;
  readonly channel: string;
  readonly meta: string;

  constructor(base = 'km') {
    this.prefix = `${base}:v${KUBEMETA_SCHEMA_VERSION}:`;
    this.channel = `${this.prefix}changes`;
    this.meta = `${this.prefix}meta`;
  }

  /** SCAN pattern matching every key of the view (and the meta key). */
  get pattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  }

  full(name: ViewKeyName): string {
    return this.prefix + name;
  }

  ip(address: string): string {
    return this.full(viewKeyName('ip', normalizeIp(address)));
  }

  container(id: string): string {
    return this.full(viewKeyName('ctr', normalizeContainerId(id)));
  }

  pod(namespace: string, name: string): string {
    return this.full(viewKeyName('pod', `${namespace}/${name}`));
  }

  service(namespace: string, name: string): string {
    return this.full(viewKeyName('svc', `${namespace}/${name}`));
  }

  node(name: string): string {
    return this.full(viewKeyName('node', name));
  }

  namespace(name: string): string {
    return this.full(viewKeyName('ns', name));
  }

  /** The unprefixed name of a full key of this view, or undefined (other prefix, meta key). */
  nameOf(fullKey: string): ViewKeyName | undefined {
    if (!fullKey.startsWith(this.prefix)) return undefined;
    const name = fullKey.slice(this.prefix.length);
    return splitViewKeyName(name) ? (name as ViewKeyName) : undefined;
  }
}
