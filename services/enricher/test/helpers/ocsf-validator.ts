/**
 * Checks an event against one OCSF class at one schema version as
 * test/standards/ocsf-<version>-<class>.json describes it (the class's and its
 * objects' attributes with types, arrays, requirements, enumerations, sibling
 * captions and profiles). An attribute the version does not define, a profile
 * attribute whose profile is not declared in metadata.profiles, a missing
 * required attribute, a wrong type or an unknown enum value is a problem.
 */
import { readFileSync } from 'node:fs';

interface OcsfAttribute {
  type: string;
  array?: boolean;
  requirement: 'required' | 'recommended' | 'optional';
  enum?: Record<string, string | null>;
  sibling?: string;
  profile?: string;
}
type Attributes = Record<string, OcsfAttribute>;

export interface OcsfStandard {
  version: string;
  class: { uid: number; name: string; attributes: Attributes };
  objects: Record<string, Attributes>;
  types: Record<string, { base: string; regex?: string; max_len?: number; range?: [number, number] }>;
}

export function loadOcsfStandard(file = 'ocsf-1.4.0-network-activity.json'): OcsfStandard {
  return JSON.parse(readFileSync(new URL(`../standards/${file}`, import.meta.url), 'utf8')) as OcsfStandard;
}

const INT32 = 2 ** 31;

export function validateOcsf(event: Record<string, unknown>, standard: OcsfStandard): string[] {
  const problems: string[] = [];
  const metadata = (event.metadata ?? {}) as { version?: unknown; profiles?: unknown };
  if (metadata.version !== standard.version) problems.push(`metadata.version: ${JSON.stringify(metadata.version)} is not the described ${standard.version}`);
  const profiles = new Set(Array.isArray(metadata.profiles) ? (metadata.profiles as string[]) : []);

  const checkScalar = (path: string, value: unknown, type: string) => {
    const described = standard.types[type];
    if (!described) return void problems.push(`${path}: type ${type} is not described`);
    const base = described.base;
    const bad = (what: string) => problems.push(`${path}: ${JSON.stringify(value)} is not ${what} (${type})`);
    switch (base) {
      case 'string_t':
        if (typeof value !== 'string') return bad('a string');
        if (described.max_len !== undefined && value.length > described.max_len) bad(`at most ${described.max_len} characters`);
        if (described.regex && !new RegExp(described.regex).test(value)) bad('matching the type pattern');
        return;
      case 'integer_t':
        if (!Number.isInteger(value) || (value as number) < -INT32 || (value as number) >= INT32) return bad('a 32-bit integer');
        break;
      case 'long_t':
        if (!Number.isSafeInteger(value)) return bad('an integer');
        break;
      case 'float_t':
        if (typeof value !== 'number' || !Number.isFinite(value)) return bad('a number');
        break;
      case 'boolean_t':
        if (typeof value !== 'boolean') return bad('a boolean');
        return;
      case 'json_t':
        return;
      default:
        return void problems.push(`${path}: base type ${base} is not checked by this validator`);
    }
    if (described.range && ((value as number) < described.range[0] || (value as number) > described.range[1])) bad(`within ${described.range.join('..')}`);
  };

  const checkValue = (path: string, value: unknown, attribute: OcsfAttribute) => {
    if (attribute.type === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) problems.push(`${path}: not an object`);
      return;
    }
    const object = standard.objects[attribute.type];
    if (object) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${path}: not a ${attribute.type} object`);
      return checkObject(path, value as Record<string, unknown>, object);
    }
    checkScalar(path, value, attribute.type);
    if (attribute.enum && !(String(value) in attribute.enum)) problems.push(`${path}: ${JSON.stringify(value)} is not in the enumeration ${Object.keys(attribute.enum).join(', ')}`);
  };

  const checkObject = (path: string, value: Record<string, unknown>, attributes: Attributes) => {
    const at = (name: string) => (path ? `${path}.${name}` : name);
    for (const [name, member] of Object.entries(value)) {
      const attribute = attributes[name];
      if (!attribute) {
        problems.push(`${at(name)}: not an attribute of OCSF ${standard.version} here`);
        continue;
      }
      if (attribute.profile && !profiles.has(attribute.profile)) problems.push(`${at(name)}: belongs to profile ${attribute.profile}, not declared in metadata.profiles`);
      if (member === null || member === undefined) {
        problems.push(`${at(name)}: null (leave the attribute out)`);
        continue;
      }
      if (Boolean(attribute.array) !== Array.isArray(member)) {
        problems.push(`${at(name)}: ${attribute.array ? 'must be an array' : 'must not be an array'}`);
        continue;
      }
      for (const element of attribute.array ? (member as unknown[]) : [member]) checkValue(at(name), element, attribute);
      if (attribute.enum && attribute.sibling && attribute.sibling in value && String(member) !== '99') {
        const caption = attribute.enum[String(member)];
        if (value[attribute.sibling] !== caption) problems.push(`${at(attribute.sibling)}: ${JSON.stringify(value[attribute.sibling])} is not the caption of ${name} ${member} (${caption})`);
      }
    }
    for (const [name, attribute] of Object.entries(attributes)) {
      if (attribute.requirement !== 'required' || name in value) continue;
      if (attribute.profile && !profiles.has(attribute.profile)) continue;
      problems.push(`${at(name)}: required`);
    }
  };

  checkObject('', event, standard.class.attributes);
  return problems;
}
