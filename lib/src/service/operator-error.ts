/**
 * An error an operator fixes by changing the config or the machine (a port in
 * use, an unreachable broker, a missing kubeconfig): the CLI prints its
 * message as one line, without a stack, and exits with its code.
 */
export class OperatorError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}
