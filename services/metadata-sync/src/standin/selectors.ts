/**
 * Label and field selectors as the API server parses them from query strings:
 * `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`; field
 * selectors on metadata.name and metadata.namespace.
 */
import { ApiError, type KubeObject } from './object-store.js';

export type ObjectFilter = (object: KubeObject) => boolean;

const matchAll: ObjectFilter = () => true;

/** Splits on commas that are not inside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) out.push(current.trim());
  return out.filter(Boolean);
}

function labelTerm(term: string): (labels: Record<string, string>) => boolean {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in' ? (l) => l[key] !== undefined && values.has(l[key]) : (l) => l[key] === undefined || !values.has(l[key]);
  }
  const compare = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (compare) {
    const [, key, op, value] = compare as unknown as [string, string, string, string];
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  const absent = /^!\s*(\S+)$/.exec(term);
  if (absent) return (l) => l[absent[1]!] === undefined;
  if (/^\S+$/.test(term)) return (l) => l[term] !== undefined;
  throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${term}`);
}

export function labelSelector(selector: string | null): ObjectFilter {
  if (!selector) return matchAll;
  const tests = terms(selector).map(labelTerm);
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return tests.every((test) => test(labels));
  };
}

const FIELD_READERS: Record<string, (object: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace,
};

export function fieldSelector(selector: string | null): ObjectFilter {
  if (!selector) return matchAll;
  const tests = terms(selector).map((term) => {
    const match = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    const read = match ? FIELD_READERS[match[1]!] : undefined;
    if (!match || !read) throw new ApiError(400, 'BadRequest', `field label not supported: ${term}`);
    const expected = match[3]!;
    return match[2] === '!=' ? (o: KubeObject) => (read(o) ?? '') !== expected : (o: KubeObject) => (read(o) ?? '') === expected;
  });
  return (object) => tests.every((test) => test(object));
}

export function bothSelectors(labels: string | null, fields: string | null): ObjectFilter {
  const byLabel = labelSelector(labels);
  const byField = fieldSelector(fields);
  return (object) => byLabel(object) && byField(object);
}
