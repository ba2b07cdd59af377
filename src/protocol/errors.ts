/**
 * One error class for everything the library refuses, with a stable `code`
 * (the way jose's errors carry one) and, for bad input, the `field` at fault,
 * as a JSON path such as `$.model_context.model_version`.
 */
export class AegisLogError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AegisLogError';
    this.code = code;
    this.field = options?.field;
  }
}

/** Input that breaks PROTOCOL.md or the event schema. Never queued, sent or stored. */
export class AegisLogValidationError extends AegisLogError {
  constructor(code: string, message: string, field: string, cause?: unknown) {
    super(code, message, { field, cause });
    this.name = 'AegisLogValidationError';
  }
}

/** Stable error codes. Callers switch on these, never on messages. */
export const ErrorCode = {
  /** A value that RFC 8785 or PROTOCOL.md §1 cannot encode. */
  JcsInvalid: 'ERR_JCS_INVALID',
  Base64url: 'ERR_BASE64URL',
  DerInvalid: 'ERR_DER_INVALID',
  SignatureInvalid: 'ERR_SIGNATURE_FORMAT',
  KeyInvalid: 'ERR_KEY_INVALID',
  HashLength: 'ERR_HASH_LENGTH',
  TimeInvalid: 'ERR_TIME_INVALID',
  SchemaInvalid: 'ERR_SCHEMA_INVALID',
  ReservedField: 'ERR_RESERVED_FIELD',
  TooLarge: 'ERR_TOO_LARGE',
  TooDeep: 'ERR_TOO_DEEP',
  BundleInvalid: 'ERR_BUNDLE_INVALID',
  ProofInvalid: 'ERR_PROOF_INVALID',
  /** A tile path or tile that C2SP tlog-tiles does not allow, or tiles that do not fit the tree. */
  TileInvalid: 'ERR_TILE_INVALID',
  /** Text that is not a C2SP signed note (signed-note.md): bad UTF-8, a control character, a bad signature line. */
  NoteInvalid: 'ERR_NOTE_INVALID',
  /** Note text that is not a C2SP checkpoint as PROTOCOL.md §4.4 has it (three lines, no extension lines). */
  CheckpointInvalid: 'ERR_CHECKPOINT_INVALID',
  /** A verifier key (vkey) or note signing key (skey) that is malformed, of an unknown type, or whose key ID does not match. */
  VkeyInvalid: 'ERR_VKEY_INVALID',
  /** A C2SP tlog-policy that breaks its syntax or rules; the message names the line. */
  PolicyInvalid: 'ERR_POLICY_INVALID',
  /** A tlog-witness add-checkpoint body (or 409 answer) that breaks its format. */
  WitnessRequestInvalid: 'ERR_WITNESS_REQUEST',
  // The client's own failures (AegisLogHttpError carries the HTTP status).
  Network: 'ERR_NETWORK',
  Timeout: 'ERR_TIMEOUT',
  /** An HTTP error answer without a code of its own. */
  Http: 'ERR_HTTP',
  /** An answer that is not what PROTOCOL.md §7 describes. */
  BadResponse: 'ERR_BAD_RESPONSE',
  /** A receipt whose digest, event_id, tenant or signature does not match the event sent. */
  ReceiptMismatch: 'ERR_RECEIPT_MISMATCH',
  /** maxQueueSize reached: the new event was dropped. */
  QueueFull: 'ERR_QUEUE_FULL',
  /** The queue store failed to write or read. */
  QueueStore: 'ERR_QUEUE_STORE',
  Closed: 'ERR_CLOSED',
  Config: 'ERR_CONFIG',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A failed HTTP exchange: `status` is 0 for network errors and timeouts; `code` is the server's own where it gave one. */
export class AegisLogHttpError extends AegisLogError {
  readonly status: number;
  /** Milliseconds the server asked to wait (`Retry-After`, capped), when it did. */
  readonly retryAfter: number | undefined;

  constructor(code: string, message: string, status: number, options: { field?: string | undefined; cause?: unknown; retryAfter?: number | undefined } = {}) {
    super(code, message, options as { field?: string; cause?: unknown });
    this.name = 'AegisLogHttpError';
    this.status = status;
    this.retryAfter = options.retryAfter;
  }
}
