/** The end status of a call: what both transports deliver when a call finishes. */
import { Code, SwitchyardError, codeName } from '../errors.js';
import { Metadata } from './metadata.js';

/** How a call ended. */
export interface Status {
  /** gRPC status code. */
  code: Code;
  /** Human-readable message (may be empty). */
  message: string;
  /** Opaque details bytes (`grpc-status-details-bin`, usually a `google.rpc.Status`), if any. */
  details?: Uint8Array | undefined;
  /** Trailing metadata. */
  trailers: Metadata;
}

/** An OK status with optional trailers. */
export function okStatus(trailers: Metadata = new Metadata()): Status {
  return { code: Code.OK, message: '', trailers };
}

/** Builds a status. */
export function status(code: Code, message = '', trailers: Metadata = new Metadata(), details?: Uint8Array): Status {
  return { code, message, trailers, details };
}

/** Turns anything thrown into a status (SwitchyardError keeps its code; others are UNKNOWN). */
export function statusFromError(reason: unknown): Status {
  const err = SwitchyardError.from(reason);
  const trailers = (err.details['trailers'] instanceof Metadata ? err.details['trailers'] : undefined) ?? new Metadata();
  const details = err.details['statusDetails'] instanceof Uint8Array ? err.details['statusDetails'] : undefined;
  return { code: err.code, message: err.rawMessage, trailers, details };
}

/** Turns a non-OK status into a SwitchyardError (trailers and details kept in `details`). */
export function errorFromStatus(s: Status): SwitchyardError {
  return new SwitchyardError(s.message, {
    code: s.code,
    details: { trailers: s.trailers, ...(s.details ? { statusDetails: s.details } : {}) },
  });
}

/** `"DEADLINE_EXCEEDED: deadline passed"` — for logs. */
export function describeStatus(s: Status): string {
  return s.message ? `${codeName(s.code)}: ${s.message}` : codeName(s.code);
}
