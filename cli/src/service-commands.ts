/** Registers one CLI subcommand per service from its ServiceCommand definition. */
import type { Command } from 'commander';
import { loadServiceConfig, runServiceCommand, type OptionSpecs, type ServiceCommand } from '@flowmesh/lib';
import { exitOnOperatorError } from './operator-errors.js';
import { addSpecOptions, givenFlags } from './spec-flags.js';

export function addServiceCommand<S extends OptionSpecs>(program: Command, service: ServiceCommand<S>): void {
  const command = program.command(service.name).description(service.summary);
  addSpecOptions(command, service.options);
  command.action(async () => {
    const file = command.opts<{ config?: string }>().config;
    try {
      const config = loadServiceConfig(service, { flags: givenFlags(command, service.options), env: process.env, ...(file ? { file } : {}) });
      await runServiceCommand(service, config);
    } catch (error) {
      exitOnOperatorError(error);
      throw error;
    }
  });
}
