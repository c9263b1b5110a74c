/**
 * Configuration as data: each service declares its options once (type,
 * default, doc), and the same declaration drives CLI flags, environment
 * variables, config-file keys, validation and the docs/config.md reference.
 *
 * Precedence, lowest first: default, config file, environment, flags.
 * Option `fooBar` is flag `--foo-bar`, env `FLOWMESH_FOO_BAR`, file key `fooBar` or `foo-bar`.
 */
export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'enum';

export interface OptionSpec {
  type: OptionType;
  /** One sentence for --help and the config reference. */
  doc: string;
  default?: string | number | boolean | readonly string[];
  /** Must be given (no default). */
  required?: boolean;
  /** Allowed values of an `enum` option. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Extra environment variable names also read, e.g. KAFKA_BROKERS. */
  envAliases?: readonly string[];
  /** Redacted when the effective config is logged. */
  secret?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'int' | 'number'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'list'
      ? string[]
      : S['type'] extends 'enum'
        ? S['choices'] extends readonly (infer C)[]
          ? C
          : string
        : string;

type HasValue<S extends OptionSpec> = S extends { default: unknown } ? true : S extends { required: true } ? true : false;

/** The validated config object a set of option specs produces. */
export type ConfigOf<S extends OptionSpecs> = {
  [K in keyof S as HasValue<S[K]> extends true ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as HasValue<S[K]> extends true ? never : K]?: ValueOf<S[K]>;
};

/** Declares option specs, keeping their literal types for ConfigOf. */
export function defineOptions<const S extends OptionSpecs>(specs: S): S {
  return specs;
}

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(key: string): string {
  return `FLOWMESH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
