/** Parses a resource URL path: /api/v1/[namespaces/<ns>/]<plural>[/<name>[/<subresource>]] and the /apis/<group>/<version>/... form. */
import { ApiError } from './object-store.js';
import { type ResourceType, findByPath } from './resource-types.js';

export interface ResourceRoute {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parseResourceRoute(path: string): ResourceRoute | undefined {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    [group, version, rest] = ['', segments[1]!, segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
  } else return undefined;

  const namespacedType = rest[0] === 'namespaces' && rest.length >= 3 ? findByPath(group, version, rest[2]!) : undefined;
  if (namespacedType?.namespaced) {
    return withOptional(namespacedType, rest[1], rest[3], rest[4], rest.length > 5);
  }
  const type = findByPath(group, version, rest[0]!);
  if (!type) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
  return withOptional(type, undefined, rest[1], rest[2], rest.length > 3);
}

function withOptional(type: ResourceType, namespace?: string, name?: string, subresource?: string, tooLong = false): ResourceRoute {
  if (tooLong || (subresource !== undefined && subresource !== 'status')) {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
  }
  return {
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
