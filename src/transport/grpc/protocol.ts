/**
 * gRPC over HTTP/2 (PROTOCOL-HTTP2.md): header names, `grpc-message` percent-encoding,
 * status ↔ trailers, and the HTTP status → gRPC code mapping used when a non-gRPC peer
 * (a load balancer, a plain web server) answers.
 */
import { Code, codeFromWire } from '../../errors.js';
import type { Status } from '../status.js';
import { base64NoPad, headersToMetadata } from './headers.js';

/** Header names of the protocol. */
export const H = {
  status: ':status',
  method: ':method',
  path: ':path',
  scheme: ':scheme',
  authority: ':authority',
  contentType: 'content-type',
  te: 'te',
  userAgent: 'user-agent',
  timeout: 'grpc-timeout',
  encoding: 'grpc-encoding',
  acceptEncoding: 'grpc-accept-encoding',
  grpcStatus: 'grpc-status',
  grpcMessage: 'grpc-message',
  statusDetails: 'grpc-status-details-bin',
} as const;

/** The content type we send. */
export const CONTENT_TYPE = 'application/grpc';

/** Our user agent. */
export const USER_AGENT = 'switchyard-grpc/0.1';

/** True for `application/grpc`, `application/grpc+proto`, `application/grpc;…`. */
export function isGrpcContentType(value: string | undefined): boolean {
  if (!value) return false;
  const v = value.toLowerCase();
  if (!v.startsWith(CONTENT_TYPE)) return false;
  const rest = v.charCodeAt(CONTENT_TYPE.length);
  return Number.isNaN(rest) || rest === 0x2b /* + */ || rest === 0x3b /* ; */;
}

const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

/** Percent-encodes a status message: bytes outside printable ASCII, and `%`, as `%XX` of UTF-8. */
export function encodeGrpcMessage(message: string): string {
  if (PLAIN_MESSAGE.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes a percent-encoded status message; malformed escapes are kept as written. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const src = Buffer.from(value, 'latin1');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.toString('utf8', 0, n);
}

/** The gRPC code for an HTTP status from a peer that did not answer with gRPC (http-grpc-status-mapping.md). */
export function codeFromHttpStatus(httpStatus: number): Code {
  switch (httpStatus) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/**
 * Builds the status from trailers (or a Trailers-Only response) given as raw header pairs.
 * A missing `grpc-status` is UNKNOWN, as grpc-js reports it.
 */
export function statusFromTrailers(raw: readonly string[]): Status {
  let code: Code | undefined;
  let message = '';
  let details: Uint8Array | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    if (k === H.grpcStatus) code = codeFromWire(raw[i + 1]);
    else if (k === H.grpcMessage) message = decodeGrpcMessage(raw[i + 1]!);
    else if (k === H.statusDetails) details = Buffer.from(raw[i + 1]!, 'base64');
  }
  const trailers = headersToMetadata(raw);
  if (code === undefined) return { code: Code.UNKNOWN, message: message || 'the server ended the call without a grpc-status', trailers, details };
  return { code, message, trailers, details };
}

/** The trailer block for a status (`grpc-status`, `grpc-message`, details, trailing metadata). */
export function trailersFor(s: Status, extra: Record<string, string | string[]>): Record<string, string | string[]> {
  const out = extra;
  out[H.grpcStatus] = String(s.code);
  if (s.message) out[H.grpcMessage] = encodeGrpcMessage(s.message);
  if (s.details && s.details.byteLength > 0) out[H.statusDetails] = base64NoPad(s.details);
  return out;
}
