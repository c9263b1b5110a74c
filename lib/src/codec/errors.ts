/** Why a message could not be decoded; stable strings, used in DLQ headers and metric labels. */
export type DecodeFailure =
  | 'empty'
  | 'unknown-framing'
  | 'unknown-fingerprint'
  | 'unknown-schema-id'
  | 'registry-unavailable'
  | 'incompatible-schema'
  | 'malformed-body'
  | 'trailing-bytes';

/** A message that is not a flowmesh record of the expected type. Never retriable: the bytes will not change. */
export class DecodeError extends Error {
  readonly retriable = false;
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${message}`, options);
    this.name = 'DecodeError';
  }
}

/** The schema registry could not be reached or refused a call. Retriable when the failure is transient. */
export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchemaRegistryError';
  }
}
