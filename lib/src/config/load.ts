/**
 * Loads and validates a service's configuration from its option specs. Every
 * problem (unknown keys, bad values, missing required options) is collected
 * and reported at once in a ConfigError, so an operator fixes a config file in
 * one pass instead of one restart per mistake.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { maskValue } from './mask-secrets.js';
import { type ConfigOf, type OptionSpec, type OptionSpecs, envName, flagName } from './options.js';

export class ConfigError extends Error {
  readonly retriable = false;
  constructor(readonly problems: string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Values from the command line, keyed by option key (camelCase). */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Path of a YAML or JSON config file. */
  file?: string;
}

function schemaFor(spec: OptionSpec): z.ZodType {
  const number = (base: z.ZodNumber) => {
    let s = base;
    if (spec.min !== undefined) s = s.min(spec.min);
    if (spec.max !== undefined) s = s.max(spec.max);
    return z.coerce.number().pipe(s);
  };
  switch (spec.type) {
    case 'int':
      return number(z.number().int());
    case 'number':
      return number(z.number());
    case 'boolean':
      return z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v))]);
    case 'list':
      return z.union([
        z.array(z.string()),
        z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
      ]);
    case 'enum':
      return z.enum(spec.choices as [string, ...string[]]);
    case 'string':
      return z.string().min(1);
  }
}

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: ${(error as Error).message}`);
    return {};
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path}: expected a mapping of option names to values`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    problems.push(`config file ${path}: ${(error as Error).message}`);
    return {};
  }
}

/** Resolves, validates and returns the config; throws ConfigError listing every problem. */
export function loadConfig<S extends OptionSpecs>(specs: S, sources: ConfigSources = {}): ConfigOf<S> {
  const { config, problems } = resolveConfig(specs, sources);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * The config and every problem found in it. A value that failed validation is
 * replaced by its default, so that rules spanning several options can still
 * be checked and reported in the same pass.
 */
export function resolveConfig<S extends OptionSpecs>(specs: S, sources: ConfigSources = {}): { config: ConfigOf<S>; problems: string[] } {
  const problems: string[] = [];
  const env = sources.env ?? process.env;
  const raw: Record<string, { value: unknown; origin: string }> = {};

  const byFileKey = new Map<string, string>();
  for (const key of Object.keys(specs)) {
    byFileKey.set(key, key);
    byFileKey.set(flagName(key).replace(/^-+/, ''), key);
  }

  if (sources.file) {
    for (const [fileKey, value] of Object.entries(readFile(sources.file, problems))) {
      const key = byFileKey.get(fileKey);
      if (!key) problems.push(`${fileKey} (in ${sources.file}): unknown option`);
      else raw[key] = { value, origin: `${fileKey} in ${sources.file}` };
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    for (const name of [...(spec.envAliases ?? []), envName(key)]) {
      const value = env[name];
      if (value !== undefined && value !== '') raw[key] = { value, origin: `$${name}` };
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    if (!(key in specs)) problems.push(`--${flagName(key)}: unknown option`);
    else raw[key] = { value, origin: `--${flagName(key)}` };
  }

  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const given = raw[key];
    if (given === undefined) {
      if (spec.default !== undefined) config[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      else if (spec.required) problems.push(`--${flagName(key)} (${envName(key)}): required`);
      continue;
    }
    const parsed = schemaFor(spec).safeParse(given.value);
    if (parsed.success) config[key] = parsed.data;
    else {
      const shown = spec.secret ? '***' : JSON.stringify(maskValue(given.value));
      problems.push(`${given.origin}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${shown})`);
      if (spec.default !== undefined) config[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
  }
  return { config: config as ConfigOf<S>, problems };
}

/** The config with secret options masked, and credentials inside URLs too, for the start-up log line. */
export function redactConfig(specs: OptionSpecs, config: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, specs[key]?.secret && value !== undefined ? '***' : maskValue(value)]),
  );
}
