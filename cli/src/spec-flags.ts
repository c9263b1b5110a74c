/** Turns option specs into commander flags, so --help documents every option with its env name and default. */
import { Option, type Command } from 'commander';
import { envName, flagName, type OptionSpecs } from '@flowmesh/lib';

export function addSpecOptions(command: Command, specs: OptionSpecs): Command {
  command.option('--config <file>', 'YAML or JSON file of options (keys as below, camelCase or kebab-case)');
  for (const [key, spec] of Object.entries(specs)) {
    const flag = `--${flagName(key)}`;
    const env = [...(spec.envAliases ?? []), envName(key)].join(', ');
    const shown = spec.default === undefined ? (spec.required ? ' (required)' : '') : ` (default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`;
    const description = `${spec.doc}${shown} [env: ${env}]`;
    if (spec.type === 'boolean') {
      command.addOption(new Option(flag, description));
      command.addOption(new Option(`--no-${flagName(key)}`).hideHelp());
    } else {
      // Choices are shown, not enforced here: loadConfig checks them with every other problem at once.
      const choices = spec.choices ? ` (choices: ${spec.choices.join(', ')})` : '';
      const option = new Option(`${flag} <${spec.type === 'list' ? 'a,b' : spec.type}>`, `${description}${choices}`);
      // A list flag may be repeated (--collector a --collector b) as well as comma separated.
      if (spec.type === 'list') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)]);
      command.addOption(option);
    }
  }
  return command;
}

/** The flags the user actually gave, keyed by option key (commander camelCases them the same way). */
export function givenFlags(command: Command, specs: OptionSpecs): Record<string, unknown> {
  const values = command.opts<Record<string, unknown>>();
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(specs)) {
    if (command.getOptionValueSource(key) === 'cli') flags[key] = values[key];
  }
  return flags;
}
