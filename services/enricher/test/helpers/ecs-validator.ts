/**
 * Checks a document against ECS as test/standards/ecs-<version>-fields.json
 * describes it (every ECS field, its type, normalization and allowed values),
 * plus the fields an Elasticsearch component template maps beyond ECS. A field
 * in neither, a value of the wrong type, a key with a dot (Elasticsearch reads
 * it as an object path) or a value outside an enumeration is a problem.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

interface EcsField {
  type: string;
  normalize?: string[];
  allowed?: string[];
  expected?: string[];
}

export interface EcsStandard {
  version: string;
  fields: Record<string, EcsField>;
  category_event_types: Record<string, string[]>;
}

export interface TemplateFields {
  /** Field path → mapping type, from the template's properties. */
  fields: Map<string, string>;
  /** Dynamic templates: path globs and the type they map. */
  dynamic: { pattern: RegExp; type: string }[];
}

export function loadEcsStandard(version = '8.11.0'): EcsStandard {
  return JSON.parse(readFileSync(new URL(`../standards/ecs-${version}-fields.json`, import.meta.url), 'utf8')) as EcsStandard;
}

interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
}

/** The fields a component template maps (its properties flattened, its dynamic templates as globs). */
export function templateFields(template: { template: { mappings: { properties: Record<string, MappingNode>; dynamic_templates?: Record<string, { path_match: string | string[]; mapping: { type: string } }>[] } } }): TemplateFields {
  const fields = new Map<string, string>();
  const walk = (properties: Record<string, MappingNode>, prefix: string) => {
    for (const [name, node] of Object.entries(properties)) {
      const path = prefix + name;
      if (node.properties) walk(node.properties, `${path}.`);
      else fields.set(path, node.type ?? 'object');
    }
  };
  walk(template.template.mappings.properties, '');
  const dynamic = (template.template.mappings.dynamic_templates ?? []).flatMap((entry) =>
    Object.values(entry).flatMap(({ path_match, mapping }) =>
      [path_match].flat().map((glob) => ({ pattern: new RegExp(`^${glob.split('*').map(escapeRegExp).join('[^]*')}$`), type: mapping.type })),
    ),
  );
  return { fields, dynamic };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const STRING_TYPES = new Set(['keyword', 'constant_keyword', 'wildcard', 'match_only_text', 'text']);
const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);
const NUMBER_TYPES = new Set(['float', 'double', 'scaled_float', 'half_float']);

export function validateEcs(doc: Record<string, unknown>, standard: EcsStandard, extension: TemplateFields): string[] {
  const problems: string[] = [];
  const typeOf = (path: string): { type: string; field?: EcsField } | null => {
    const field = standard.fields[path];
    if (field) return { type: field.type, field };
    const mapped = extension.fields.get(path);
    if (mapped) return { type: mapped };
    const dynamic = extension.dynamic.find((d) => d.pattern.test(path));
    return dynamic ? { type: dynamic.type } : null;
  };

  const checkLeaf = (path: string, value: unknown, type: string) => {
    const bad = (what: string) => problems.push(`${path}: ${JSON.stringify(value)} is not ${what}`);
    if (STRING_TYPES.has(type)) {
      if (typeof value !== 'string') bad(`a ${type} (string)`);
    } else if (INTEGER_TYPES.has(type)) {
      if (!Number.isSafeInteger(value)) bad(`a ${type} (integer)`);
    } else if (NUMBER_TYPES.has(type)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) bad(`a ${type} (number)`);
    } else if (type === 'boolean') {
      if (typeof value !== 'boolean') bad('a boolean');
    } else if (type === 'ip') {
      if (typeof value !== 'string' || isIP(value) === 0) bad('an ip');
    } else if (type === 'date') {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) bad('an ISO-8601 date');
    } else if (type === 'geo_point') {
      const point = value as { lat?: unknown; lon?: unknown };
      const ok = typeof point === 'object' && point !== null && Object.keys(point).sort().join() === 'lat,lon'
        && typeof point.lat === 'number' && Math.abs(point.lat) <= 90 && typeof point.lon === 'number' && Math.abs(point.lon) <= 180;
      if (!ok) bad('a geo_point {lat, lon}');
    } else {
      problems.push(`${path}: type ${type} is not checked by this validator`);
    }
  };

  const walk = (value: unknown, path: string) => {
    const known = typeOf(path);
    if (known?.type === 'geo_point') return checkLeaf(path, value, 'geo_point');
    if (known?.type === 'flattened') return;
    if (Array.isArray(value)) {
      if (!known) return void problems.push(`${path}: not an ECS field nor mapped by the flowmesh template`);
      for (const element of value) checkValue(path, element, known);
      return;
    }
    if (value !== null && typeof value === 'object') {
      if (known && known.type !== 'object') return void problems.push(`${path}: an object where ECS has a ${known.type}`);
      for (const [key, member] of Object.entries(value)) {
        if (key.includes('.')) problems.push(`${path ? `${path}.` : ''}${key}: key with a dot (de-dot label keys)`);
        walk(member, path ? `${path}.${key}` : key);
      }
      return;
    }
    if (!known) return void problems.push(`${path}: not an ECS field nor mapped by the flowmesh template`);
    if (known.field?.normalize?.includes('array')) problems.push(`${path}: ECS normalizes it to an array`);
    checkValue(path, value, known);
  };

  const checkValue = (path: string, value: unknown, known: { type: string; field?: EcsField }) => {
    checkLeaf(path, value, known.type);
    const allowed = known.field?.allowed ?? known.field?.expected;
    if (allowed && !allowed.includes(value as string)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  };

  walk(doc, '');
  for (const required of ['@timestamp', 'ecs']) if (!(required in doc)) problems.push(`${required}: required by ECS`);
  if ((doc.ecs as { version?: unknown } | undefined)?.version !== standard.version) problems.push(`ecs.version: not ${standard.version}`);
  // event.type values must be ones ECS expects for the event's categories.
  const event = (doc.event ?? {}) as { category?: string[]; type?: string[] };
  const expectedTypes = new Set((event.category ?? []).flatMap((category) => standard.category_event_types[category] ?? []));
  for (const type of event.type ?? []) if (!expectedTypes.has(type)) problems.push(`event.type: ${type} is not expected for categories ${event.category?.join(', ')}`);
  return problems;
}
