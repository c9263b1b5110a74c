/**
 * The `flowmesh` command line: one subcommand per service, plus the embedded
 * stack, the demo, and `tail` for reading topics.
 */
import { Command } from 'commander';
import { addServiceCommand } from './service-commands.js';
import { addStackCommand } from './stack-command.js';
import { addDemoCommand } from './demo/demo-command.js';
import { addTailCommand } from './tail-command.js';
import { serviceCommands } from './services.js';
import { renderConfigReference } from './config-docs.js';

const program = new Command()
  .name('flowmesh')
  .description('Process-aware, Kubernetes-aware network flow records on Kafka.\nEvery service option can also come from FLOWMESH_<OPTION> environment variables or --config <file>.')
  .showHelpAfterError();

addStackCommand(program);
for (const service of serviceCommands) addServiceCommand(program, service);
addDemoCommand(program);
addTailCommand(program);
program
  .command('config-docs')
  .description('Print the configuration reference (docs/config.md) generated from the option specs')
  .action(() => {
    process.stdout.write(renderConfigReference(serviceCommands));
  });

await program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`flowmesh: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
