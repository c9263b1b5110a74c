/**
 * The `flowmesh` command line: one subcommand per service, plus the embedded
 * stack, the demo, and `tail` for reading topics.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { maskUrlCredentials, projectPath } from '@flowmesh/lib';
import { exitOnOperatorError } from './operator-errors.js';
import { addServiceCommand } from './service-commands.js';
import { addStackCommand } from './stack-command.js';
import { addDemoCommand } from './demo/demo-command.js';
import { addTailCommand } from './tail-command.js';
import { serviceCommands } from './services.js';
import { renderConfigReference } from './config-docs.js';

const { version } = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };

const program = new Command()
  .name('flowmesh')
  .description('Process-aware, Kubernetes-aware network flow records on Kafka.\nEvery service option can also come from FLOWMESH_<OPTION> environment variables or --config <file>.')
  .version(version, '-V, --version', 'print the flowmesh version')
  // The error and its "did you mean" hint, then a pointer: the whole help would push both off screen.
  .showHelpAfterError('(add --help for every option)')
  // A usage mistake exits 2, as a bad config does; --help and --version exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

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
  exitOnOperatorError(error);
  // Unexpected: keep the stack, but never a credential from a URL inside it.
  process.stderr.write(`flowmesh: ${maskUrlCredentials((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
