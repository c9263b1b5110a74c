/**
 * Errors an operator fixes by changing the config or the machine: printed as
 * their message alone (no stack), with the exit code they carry. Everything
 * else is a bug and keeps its stack.
 */
import { ConfigError, kafkaConnectionFailure, maskUrlCredentials } from '@flowmesh/lib';

const OPERATOR_ERRORS = new Set(['ConfigError', 'CapabilityError', 'OperatorError']);

export function operatorMessage(error: unknown): { line: string; exitCode: number } | undefined {
  if (error instanceof ConfigError) return { line: error.message, exitCode: 2 };
  if (error instanceof Error && OPERATOR_ERRORS.has(error.name)) {
    const code = (error as { exitCode?: unknown }).exitCode;
    return { line: error.message, exitCode: typeof code === 'number' ? code : 2 };
  }
  const unreachable = kafkaConnectionFailure(error);
  if (unreachable) {
    const suffix = unreachable.startsWith('cannot reach') ? "; gave up after kafkajs's retries (about 80 s), exiting so that a supervisor restarts it" : '';
    return { line: `${unreachable}${suffix}`, exitCode: 1 };
  }
  return undefined;
}

/** Exits the process with the operator's one line when the error is theirs to fix; returns otherwise. */
export function exitOnOperatorError(error: unknown): void {
  const known = operatorMessage(error);
  if (!known) return;
  process.stderr.write(`flowmesh: ${maskUrlCredentials(known.line)}\n`);
  process.exit(known.exitCode);
}
