/** Renders docs/config.md from the services' option specs, so the reference never drifts from the code. */
import { envName, flagName, type OptionSpecs, type ServiceCommand } from '@flowmesh/lib';

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '(empty)';
  return `\`${String(value)}\``;
}

export function renderConfigReference(commands: readonly ServiceCommand<OptionSpecs>[]): string {
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from the option specs by `node bin/flowmesh.js config-docs > docs/config.md`; a test fails when it is stale. -->',
    '',
    'Every option can be given as a flag, as an environment variable, or as a key (camelCase or kebab-case) of the YAML/JSON file passed with `--config`.',
    'Precedence, lowest first: default, file, environment, flag. Unknown keys and bad values are rejected at start, all listed at once.',
    '',
  ];
  for (const command of commands) {
    out.push(`## flowmesh ${command.name}`, '', command.summary, '', '| flag | environment | type | default | description |', '|---|---|---|---|---|');
    for (const [key, spec] of Object.entries(command.options)) {
      const env = [...(spec.envAliases ?? []), envName(key)].map((e) => `\`${e}\``).join(', ');
      const type = spec.type === 'enum' ? (spec.choices ?? []).join(' \\| ') : spec.type;
      const def = spec.required ? '**required**' : formatDefault(spec.default);
      out.push(`| \`--${flagName(key)}\` | ${env} | ${type} | ${def} | ${spec.doc.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
