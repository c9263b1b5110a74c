/** Registers one CLI subcommand per service from its ServiceCommand definition. */
import type { Command } from 'commander';
import { ConfigError, loadConfig, runServiceCommand, type OptionSpecs, type ServiceCommand } from '@flowmesh/lib';
import { addSpecOptions, givenFlags } from './spec-flags.js';

export function addServiceCommand<S extends OptionSpecs>(program: Command, service: ServiceCommand<S>): void {
  const command = program.command(service.name).description(service.summary);
  addSpecOptions(command, service.options);
  command.action(async () => {
    const file = command.opts<{ config?: string }>().config;
    try {
      const config = loadConfig(service.options, { flags: givenFlags(command, service.options), env: process.env, ...(file ? { file } : {}) });
      await runServiceCommand(service, config);
    } catch (error) {
      exitOnConfigError(error);
      throw error;
    }
  });
}

/** Errors an operator fixes by changing the config or the machine: the message says it all, no stack. */
const OPERATOR_ERRORS = new Set(['ConfigError', 'CapabilityError']);

export function exitOnConfigError(error: unknown): void {
  if (error instanceof ConfigError || (error instanceof Error && OPERATOR_ERRORS.has(error.name))) {
    process.stderr.write(`flowmesh: ${error.message}\n`);
    process.exit(2);
  }
}
