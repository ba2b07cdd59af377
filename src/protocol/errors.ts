/**
 * One error class for everything the library refuses, with a stable `code`
 * (the way jose's errors carry one) and, for bad input, the `field` at fault,
 * as a path from the input's root such as `model_context.model_version`.
 */
export class AegisLogError extends Error {
  // `declare`: the constructors set every field, so a class field that defines it first would only
  // add bytes to every page (here and below). Set in the order the fields had: code, field, then name.
  declare readonly code: ErrorCode;
  declare readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
    this.name = 'AegisLogError';
  }
}

/** Input that breaks PROTOCOL.md or the event schema. Never queued, sent or stored. */
export class AegisLogValidationError extends AegisLogError {
  constructor(code: ErrorCode, message: string, field: string, cause?: unknown) {
    super(code, message, { field, cause });
    this.name = 'AegisLogValidationError';
  }
}

/**
 * Stable error codes: the closed list of every `code` an `AegisLogError` carries
 * (docs/errors.md has one table of these and of the wire codes). Callers switch
 * on these, never on messages. Each constant's name is its code in PascalCase.
 */
export const ErrorCode = {
  /** A value that RFC 8785 or PROTOCOL.md §1 cannot encode. */
  JcsInvalid: 'ERR_JCS_INVALID',
  Base64url: 'ERR_BASE64URL',
  DerInvalid: 'ERR_DER_INVALID',
  /** A signature of the wrong length or shape (raw P1363 or DER). */
  SignatureFormat: 'ERR_SIGNATURE_FORMAT',
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
  /** A store holds no such tile (or a narrower one): for the server, a full tile kept without its inner nodes. */
  TileMissing: 'ERR_TILE_MISSING',
  /** Text that is not a C2SP signed note (signed-note.md): bad UTF-8, a control character, a bad signature line. */
  NoteInvalid: 'ERR_NOTE_INVALID',
  /** Note text that is not a C2SP checkpoint as PROTOCOL.md §4.4 has it (three lines, no extension lines). */
  CheckpointInvalid: 'ERR_CHECKPOINT_INVALID',
  /** A verifier key (vkey) or note signing key (skey) that is malformed, of an unknown type, or whose key ID does not match. */
  VkeyInvalid: 'ERR_VKEY_INVALID',
  /** A C2SP tlog-policy that breaks its syntax or rules; the message names the line. */
  PolicyInvalid: 'ERR_POLICY_INVALID',
  /** A tlog-witness add-checkpoint body (or 409 answer) that breaks its format, or a bad page of a witness's refusals (`field` names the parameter). */
  WitnessRequest: 'ERR_WITNESS_REQUEST',
  /** A witness that refused or botched a checkpoint submission (reported through onError; the server retries it). */
  Witness: 'ERR_WITNESS',
  // The client's own failures (AegisLogHttpError carries the HTTP status).
  Network: 'ERR_NETWORK',
  Timeout: 'ERR_TIMEOUT',
  /** An HTTP error answer without a code of its own. */
  Http: 'ERR_HTTP',
  /** An answer that is not what PROTOCOL.md §8 (the HTTP API) describes. */
  BadResponse: 'ERR_BAD_RESPONSE',
  /** A receipt whose digest, event_id, tenant or signature does not match the event sent. */
  ReceiptMismatch: 'ERR_RECEIPT_MISMATCH',
  /** maxQueueSize reached: the new event was dropped. */
  QueueFull: 'ERR_QUEUE_FULL',
  /** The queue store failed to write or read. */
  QueueStore: 'ERR_QUEUE_STORE',
  Closed: 'ERR_CLOSED',
  Config: 'ERR_CONFIG',
  // The server's own failures.
  /** kmsSigner without the optional peer dependency @aws-sdk/client-kms. */
  KmsUnavailable: 'ERR_KMS_UNAVAILABLE',
  /** KMS Sign answered without a signature. */
  KmsSign: 'ERR_KMS_SIGN',
  /** A store was asked to seal a period that is sealed already. */
  AlreadySealed: 'ERR_ALREADY_SEALED',
  /** A checkpoint that does not start where the last one ended, or a period closed before the one already closed. */
  PeriodOrder: 'ERR_PERIOD_ORDER',
  /** The wall clock stepped ahead of the monotonic clock; receipts keep the monotonic time (reported through onError). */
  ClockStep: 'ERR_CLOCK_STEP',
  /** A SQLite store written by another AegisLog schema (v1, or a newer one). */
  StoreVersion: 'ERR_STORE_VERSION',
  /** The store's database is unreachable or restarting (postgresStore); the server answers 503 `unavailable`. */
  StoreUnavailable: 'ERR_STORE_UNAVAILABLE',
  /** postgresStore without the optional peer dependency pg. */
  PgUnavailable: 'ERR_PG_UNAVAILABLE',
  /** A call to a log Durable Object that it does not answer: another route, an unknown method, another tenant's object. */
  LogObjectCall: 'ERR_LOG_OBJECT_CALL',
  /** An ML-DSA-44 cosignature to check without the optional peer dependency @noble/post-quantum. */
  MlDsaUnavailable: 'ERR_ML_DSA_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The codes the server and the edge relay send on the wire (`{"error": {"code"}}`,
 * PROTOCOL.md §8): HTTP-level codes in lowercase, and for bad input the validator's
 * own `ERR_*` codes, so a refusal reads the same on both sides.
 */
export type WireErrorCode =
  | 'bad_json' | 'bad_request' | 'unauthorized' | 'forbidden' | 'origin_not_allowed' | 'not_found' | 'method_not_allowed'
  | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'request_timeout' | 'headers_too_large' | 'rate_limited'
  | 'internal' | 'unavailable' | 'bad_gateway' | 'gateway_timeout' | 'upstream_refused_key'
  | 'ERR_SCHEMA_INVALID' | 'ERR_RESERVED_FIELD' | 'ERR_JCS_INVALID' | 'ERR_TOO_DEEP' | 'ERR_TIME_INVALID' | 'ERR_TOO_LARGE';

/** Every `WireErrorCode`, once (the compiler holds the list to the type both ways). */
export const WIRE_ERROR_CODES = [
  'bad_json', 'bad_request', 'unauthorized', 'forbidden', 'origin_not_allowed', 'not_found', 'method_not_allowed',
  'conflict', 'payload_too_large', 'unsupported_media_type', 'request_timeout', 'headers_too_large', 'rate_limited',
  'internal', 'unavailable', 'bad_gateway', 'gateway_timeout', 'upstream_refused_key',
  'ERR_SCHEMA_INVALID', 'ERR_RESERVED_FIELD', 'ERR_JCS_INVALID', 'ERR_TOO_DEEP', 'ERR_TIME_INVALID', 'ERR_TOO_LARGE',
] as const satisfies readonly WireErrorCode[];
const everyWireCode: [Exclude<WireErrorCode, (typeof WIRE_ERROR_CODES)[number]>] extends [never] ? true : never = true;
void everyWireCode;

/** The validator's codes, which the server sends for bad input (literals: the client's bundle never loads ErrorCode). */
const INPUT_CODES: readonly string[] = ['ERR_SCHEMA_INVALID', 'ERR_RESERVED_FIELD', 'ERR_JCS_INVALID', 'ERR_TOO_DEEP', 'ERR_TIME_INVALID', 'ERR_TOO_LARGE'] satisfies WireErrorCode[];

/** The `code` of an error that a server answered with `serverCode`: that code where it is the validator's (bad input), else `ERR_HTTP`. */
export function httpErrorCode(serverCode: string | undefined): ErrorCode {
  return serverCode !== undefined && INPUT_CODES.includes(serverCode) ? (serverCode as ErrorCode) : 'ERR_HTTP';
}

/**
 * A failed HTTP exchange: `status` is 0 for network errors and timeouts. `code`
 * stays in `ErrorCode` (`ERR_HTTP`, `ERR_NETWORK`, `ERR_TIMEOUT`, or the `ERR_*`
 * code the server gave for bad input); `serverCode` is the server's code as sent.
 */
export class AegisLogHttpError extends AegisLogError {
  declare readonly status: number;
  /** The `error.code` of the server's answer, as sent (`'conflict'`, `'ERR_SCHEMA_INVALID'` …); undefined when it gave none. */
  declare readonly serverCode: WireErrorCode | (string & {}) | undefined;
  /** Milliseconds the server asked to wait (`Retry-After`, capped), when it did. */
  declare readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    status: number,
    options: { field?: string | undefined; cause?: unknown; retryAfter?: number | undefined; serverCode?: string | undefined } = {},
  ) {
    super(code, message, options as { field?: string; cause?: unknown });
    this.name = 'AegisLogHttpError';
    this.status = status;
    this.serverCode = options.serverCode;
    this.retryAfter = options.retryAfter;
  }
}
