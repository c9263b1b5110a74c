/**
 * A service as the CLI sees it: a name, a one-line summary, its option specs
 * and how to start it. The CLI turns the specs into flags, loads and validates
 * the config (every problem at once), and runs it in the service shell.
 */
import type { ConfigOf, OptionSpecs } from '../config/options.js';
import { ConfigError, redactConfig, resolveConfig, type ConfigSources } from '../config/load.js';
import { runService, type RunningService, type ServiceContext, type ServiceHandle } from './run-service.js';

/** The options every service command has (see serviceOptions). */
interface ShellConfig {
  httpHost: string;
  httpPort: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export interface ServiceCommand<S extends OptionSpecs> {
  name: string;
  summary: string;
  options: S;
  /** Problems that span several options (e.g. SASL without a password); reported with the rest. */
  validate?(config: ConfigOf<S>): string[];
  start(context: ServiceContext, config: ConfigOf<S>): Promise<RunningService>;
}

export function defineServiceCommand<const S extends OptionSpecs>(command: ServiceCommand<S>): ServiceCommand<S> {
  return command;
}

/**
 * Loads a service's config and checks its cross-option rules in the same
 * pass, so a bad choice, a bad number and a bad CIDR are reported together.
 */
export function loadServiceConfig<S extends OptionSpecs>(command: ServiceCommand<S>, sources: ConfigSources): ConfigOf<S> {
  const { config, problems } = resolveConfig(command.options, sources);
  let crossProblems: string[] = [];
  try {
    crossProblems = command.validate?.(config) ?? [];
  } catch {
    // A rule read an option that is missing; that option is already among the problems.
  }
  const all = [...problems, ...crossProblems.filter((problem) => !problems.includes(problem))];
  if (all.length) throw new ConfigError(all);
  return config;
}

/** Validates the cross-option rules, then runs the service in the shell (logs, ops HTTP, SIGTERM). */
export async function runServiceCommand<S extends OptionSpecs>(
  command: ServiceCommand<S>,
  config: ConfigOf<S>,
  options: { installSignalHandlers?: boolean } = {},
): Promise<ServiceHandle> {
  const problems = command.validate?.(config) ?? [];
  if (problems.length) throw new ConfigError(problems);
  const shell = config as unknown as ShellConfig;
  return runService(
    {
      name: command.name,
      httpHost: shell.httpHost,
      httpPort: shell.httpPort,
      logLevel: shell.logLevel,
      shutdownTimeoutMs: shell.shutdownTimeoutMs,
      start: (context) => {
        context.logger.info({ config: redactConfig(command.options, config) }, `starting ${command.name}`);
        return command.start(context, config);
      },
    },
    options.installSignalHandlers ?? true,
  );
}
