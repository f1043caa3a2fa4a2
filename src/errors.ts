/**
 * One error type for all of switchyard, carrying a gRPC-aligned {@link Code}.
 *
 * Every failure a user can see has an entry in {@link ErrorCatalogue} with an `AREA_WHAT`
 * name, so the name printed in a log or CLI message can be searched for in the docs.
 */

/** The 17 gRPC status codes, with their wire numbers. */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** Every code, in wire order. */
export const ALL_CODES: readonly Code[] = Object.freeze(
  Object.values(Code).filter((v): v is Code => typeof v === 'number'),
);

/** `Code.DEADLINE_EXCEEDED` → `"DEADLINE_EXCEEDED"`. */
export function codeName(code: Code): string {
  return Code[code] ?? `CODE_${code as number}`;
}

/** Parses a wire code (number or numeric string); anything else is UNKNOWN. */
export function codeFromWire(value: unknown): Code {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 16 ? (n as Code) : Code.UNKNOWN;
}

/**
 * The error catalogue: every error id switchyard raises, with the code it maps to.
 * Ids are `AREA_WHAT`; docs/errors.md lists them with hints.
 */
export const ErrorCatalogue = {
  // transport
  TRANSPORT_UNKNOWN_METHOD: Code.UNIMPLEMENTED,
  TRANSPORT_MESSAGE_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  TRANSPORT_PROTOCOL_ERROR: Code.INTERNAL,
  TRANSPORT_UNAVAILABLE: Code.UNAVAILABLE,
  TRANSPORT_DEADLINE_EXCEEDED: Code.DEADLINE_EXCEEDED,
  TRANSPORT_CANCELLED: Code.CANCELLED,
  TRANSPORT_TOO_MANY_STREAMS: Code.RESOURCE_EXHAUSTED,
  TRANSPORT_TOO_MANY_CONNECTIONS: Code.RESOURCE_EXHAUSTED,
  TRANSPORT_ORIGIN_REJECTED: Code.PERMISSION_DENIED,
  TRANSPORT_CLOSED: Code.UNAVAILABLE,
  TRANSPORT_METADATA_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  TRANSPORT_HEARTBEAT_TIMEOUT: Code.UNAVAILABLE,
  TRANSPORT_COMPRESSED_MESSAGE: Code.INTERNAL,
  TRANSPORT_UNSUPPORTED_ENCODING: Code.UNIMPLEMENTED,
  TRANSPORT_BAD_ADDRESS: Code.INVALID_ARGUMENT,
  TRANSPORT_LISTEN_FAILED: Code.UNAVAILABLE,
  TRANSPORT_NOT_GRPC: Code.UNKNOWN,
  TRANSPORT_HEALTH_UNKNOWN_SERVICE: Code.NOT_FOUND,
  TRANSPORT_UNSUPPORTED_PROTOCOL: Code.UNAVAILABLE,
  // schema
  SCHEMA_LOAD_FAILED: Code.INVALID_ARGUMENT,
  SCHEMA_DECODE_FAILED: Code.INVALID_ARGUMENT,
  SCHEMA_ENCODE_FAILED: Code.INVALID_ARGUMENT,
  // store
  STORE_BAD_URL: Code.INVALID_ARGUMENT,
  STORE_UNREACHABLE: Code.UNAVAILABLE,
  STORE_UNKNOWN_TABLE: Code.NOT_FOUND,
  STORE_UNKNOWN_COLUMN: Code.NOT_FOUND,
  STORE_NO_KEY: Code.FAILED_PRECONDITION,
  STORE_VALUE_NOT_REPRESENTABLE: Code.OUT_OF_RANGE,
  STORE_WRITE_FAILED: Code.UNAVAILABLE,
  STORE_MIGRATION_FAILED: Code.INTERNAL,
  STORE_OUTBOX_NOT_DRAINED: Code.DEADLINE_EXCEEDED,
  STORE_OUTBOX_OLD_FORMAT: Code.FAILED_PRECONDITION,
  STORE_INCOMPATIBLE_COLUMNS: Code.FAILED_PRECONDITION,
  STORE_BACKFILL_FAILED: Code.ABORTED,
  // reconcile
  RECONCILE_INCOMPATIBLE_TYPES: Code.FAILED_PRECONDITION,
  RECONCILE_KEY_NOT_UNIQUE: Code.FAILED_PRECONDITION,
  RECONCILE_INTERRUPTED: Code.CANCELLED,
  RECONCILE_TABLE_FAILED: Code.UNAVAILABLE,
  RECONCILE_BAD_RESUME: Code.FAILED_PRECONDITION,
  RECONCILE_RUN_NOT_FOUND: Code.NOT_FOUND,
  RECONCILE_UNSUPPORTED_SERVER: Code.FAILED_PRECONDITION,
  // proxy
  PROXY_UPSTREAM_UNAVAILABLE: Code.UNAVAILABLE,
  PROXY_UNAUTHORIZED: Code.UNAUTHENTICATED,
  PROXY_CONFIG_INVALID: Code.INVALID_ARGUMENT,
  PROXY_ADMIN_WRITES_DISABLED: Code.PERMISSION_DENIED,
  PROXY_SHUTTING_DOWN: Code.UNAVAILABLE,
  PROXY_STREAM_DRAINED: Code.UNAVAILABLE,
  PROXY_CAPTURE_FAILED: Code.INTERNAL,
  PROXY_LISTEN_FAILED: Code.UNAVAILABLE,
  // playbook and rollout
  PLAYBOOK_INVALID: Code.INVALID_ARGUMENT,
  PLAYBOOK_MISSING_ENV: Code.INVALID_ARGUMENT,
  ROLLOUT_LEASE_HELD: Code.ABORTED,
  ROLLOUT_BAD_STATE: Code.FAILED_PRECONDITION,
  ROLLOUT_HOOK_FAILED: Code.ABORTED,
  PLAYBOOK_NOT_FOUND: Code.NOT_FOUND,
  PLAYBOOK_LITERAL_SECRET: Code.INVALID_ARGUMENT,
  ROLLOUT_LEASE_LOST: Code.ABORTED,
  ROLLOUT_NOT_STARTED: Code.NOT_FOUND,
  ROLLOUT_PLAN_CHANGED: Code.FAILED_PRECONDITION,
  ROLLOUT_COMMAND_REJECTED: Code.FAILED_PRECONDITION,
  ROLLOUT_COMMAND_TIMEOUT: Code.DEADLINE_EXCEEDED,
  ROLLOUT_PREPARE_FAILED: Code.FAILED_PRECONDITION,
  // rpc (high-level API)
  RPC_INVALID_HANDLER: Code.INVALID_ARGUMENT,
  RPC_BAD_ADDRESS: Code.INVALID_ARGUMENT,
  RPC_MESSAGE_COUNT: Code.INVALID_ARGUMENT,
  RPC_BAD_REPLY: Code.INTERNAL,
  RPC_SERVER_STATE: Code.FAILED_PRECONDITION,
  // generic
  INTERNAL: Code.INTERNAL,
  INVALID_ARGUMENT: Code.INVALID_ARGUMENT,
} as const satisfies Record<string, Code>;

/** An id from {@link ErrorCatalogue}. */
export type ErrorId = keyof typeof ErrorCatalogue;

/** Options for {@link SwitchyardError}. */
export interface SwitchyardErrorOptions {
  /** Catalogue id; defaults to the generic id for the code. */
  id?: ErrorId;
  /** The status code; defaults to the catalogue id's code, else `UNKNOWN`. */
  code?: Code;
  /** Structured facts about the failure (table, key, field path, ...); logged and reported. */
  details?: Record<string, unknown>;
  /** A hint for the user: what to do about it. Printed by the CLI under the error line. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The error type every switchyard API throws. Its message starts with the code name,
 * e.g. `[NOT_FOUND] STORE_UNKNOWN_TABLE: table "users" does not exist in legacy`.
 */
export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  /** gRPC-aligned status code. */
  readonly code: Code;
  /** Catalogue id (`AREA_WHAT`). */
  readonly id: ErrorId | undefined;
  /** The message without the code prefix. */
  readonly rawMessage: string;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: SwitchyardErrorOptions = {}) {
    const code = options.code ?? (options.id ? ErrorCatalogue[options.id] : Code.UNKNOWN);
    const prefix = options.id ? `[${codeName(code)}] ${options.id}: ` : `[${codeName(code)}] `;
    super(prefix + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.id = options.id;
    this.rawMessage = message;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /** Normalises anything caught into a SwitchyardError (kept as is when it already is one). */
  static from(reason: unknown, fallback: Code = Code.UNKNOWN): SwitchyardError {
    if (reason instanceof SwitchyardError) return reason;
    if (reason instanceof Error) {
      if (reason.name === 'AbortError') return new SwitchyardError(reason.message || 'operation was aborted', { code: Code.CANCELLED, cause: reason });
      return new SwitchyardError(reason.message, { code: fallback, cause: reason });
    }
    return new SwitchyardError(String(reason), { code: fallback });
  }
}

/** Shorthand: a SwitchyardError from a catalogue id. */
export function fail(id: ErrorId, message: string, extra: Omit<SwitchyardErrorOptions, 'id'> = {}): SwitchyardError {
  return new SwitchyardError(message, { ...extra, id });
}
