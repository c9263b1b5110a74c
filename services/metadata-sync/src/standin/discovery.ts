/** Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>, /version) built from the resource table. */
import { RESOURCE_TYPES, type ResourceType, apiVersionOf } from './resource-types.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function groups(): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const type of RESOURCE_TYPES) {
    if (!type.group) continue;
    const versions = byGroup.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    byGroup.set(type.group, versions);
  }
  return byGroup;
}

function apiGroup(name: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: entries, preferredVersion: entries[0] };
}

function resourceEntries(type: ResourceType) {
  const common = { namespaced: type.namespaced, kind: type.kind };
  return [
    { name: type.plural, singularName: type.singular, ...common, verbs: VERBS, ...(type.shortNames ? { shortNames: type.shortNames } : {}) },
    { name: `${type.plural}/status`, singularName: '', ...common, verbs: ['get', 'patch', 'update'] },
  ];
}

/** The discovery document for `path`, or undefined when it is not a discovery path. */
export function discoveryDocument(path: string): object | undefined {
  if (path === '/version') {
    return { major: '1', minor: '31', gitVersion: 'v1.31.0-flowmesh-standin', platform: `${process.platform}/${process.arch}` };
  }
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].map(([name, versions]) => apiGroup(name, versions)) };
  }
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'apis' && segments.length === 2) {
    const versions = groups().get(segments[1]!);
    return versions ? apiGroup(segments[1]!, versions) : undefined;
  }
  const groupVersion = segments[0] === 'api' && segments.length === 2 ? segments[1]! : segments[0] === 'apis' && segments.length === 3 ? `${segments[1]}/${segments[2]}` : undefined;
  if (groupVersion === undefined) return undefined;
  const types = RESOURCE_TYPES.filter((t) => apiVersionOf(t) === groupVersion);
  if (!types.length) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: types.flatMap(resourceEntries) };
}
