/**
 * Removes secrets from command lines before they leave the node. A rule is a
 * regular expression (case-insensitive); capture group 1, when present, is
 * kept and the rest of the match becomes the mask. The defaults cover:
 *
 *   --password=hunter2 / --password hunter2 / -p=…   flags named like secrets
 *   token=abc, api_key: abc, PASSWORD=abc             key=value pairs and env-style assignments
 *   https://user:pass@host/                            credentials in URLs
 *   Authorization: Bearer abc                          auth headers
 */

export const MASK = '***';

/** Names that make a flag or key a secret. */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?(?![a-z])|pwd(?![a-z])|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|credentials?)[A-Za-z0-9_.-]*`;

/** The default rules, as source strings (configurable with --redact-rule). */
export const DEFAULT_REDACTION_RULES: readonly string[] = [
  // scheme://user:password@host → scheme://user:***@host
  String.raw`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^/\s@]+(?=@)`,
  // Authorization: Bearer xyz / Basic xyz (header values passed on the command line)
  String.raw`((?:authorization|proxy-authorization)\s*[:=]\s*(?:bearer|basic|token|digest)?\s*)\S+`,
  // --password=xyz, -password=xyz, token=xyz, api_key: xyz, PGPASSWORD=xyz
  String.raw`((?:^|[\s;&?])-{0,2}${SECRET_NAME}\s*[=:]\s*)[^\s&;]+`,
  // --password xyz (flag and value as separate words)
  String.raw`((?:^|\s)--?${SECRET_NAME}\s+)(?!-)\S+`,
];

export type Redactor = (cmdline: string) => string;

function compileRule(rule: string): RegExp | string {
  try {
    return new RegExp(rule, 'gi');
  } catch (error) {
    return `redaction rule ${JSON.stringify(rule)} is not a valid regular expression: ${(error as Error).message}`;
  }
}

/** Problems with configured rules, for the config error report. */
export function redactionRuleProblems(rules: readonly string[]): string[] {
  return rules.map(compileRule).filter((r): r is string => typeof r === 'string');
}

/** Compiles the rules into one function; throws on the first invalid rule. */
export function compileRedactor(rules: readonly string[] = DEFAULT_REDACTION_RULES): Redactor {
  const compiled = rules.map((rule) => {
    const result = compileRule(rule);
    if (typeof result === 'string') throw new Error(result);
    return result;
  });
  return (cmdline) => compiled.reduce((text, rule) => text.replace(rule, (_match, kept: unknown) => `${typeof kept === 'string' ? kept : ''}${MASK}`), cmdline);
}
