/** Conversions between switchyard's metadata/status and grpc-js's. */
import * as grpc from '@grpc/grpc-js';
import { Code, codeFromWire, fail } from '../../errors.js';
import { Metadata } from '../metadata.js';
import type { Status } from '../status.js';

/** The trailer that carries a status's details bytes. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** Keys grpc-js or HTTP/2 own; never shown to handlers nor sent from user metadata. */
const INTERNAL_KEYS = new Set(['content-type', 'te', 'user-agent', 'accept-encoding', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-status', 'grpc-message', 'date', STATUS_DETAILS_KEY]);

function isInternal(key: string): boolean {
  return key.startsWith(':') || INTERNAL_KEYS.has(key);
}

/** gRPC text metadata values are printable ASCII (grpc-js refuses anything else). */
const TEXT_VALUE = /^[ -~]*$/;

/**
 * switchyard metadata → grpc-js metadata (internal keys dropped). Throws INVALID_ARGUMENT for
 * a text value outside printable ASCII, which gRPC cannot carry (use a `-bin` key for it).
 */
export function toGrpcMetadata(md: Metadata | undefined): grpc.Metadata {
  const out = new grpc.Metadata();
  if (!md) return out;
  for (const [key, values] of md.entries()) {
    if (isInternal(key)) continue;
    for (const v of values) {
      if (typeof v === 'string' && !TEXT_VALUE.test(v)) {
        throw fail('INVALID_ARGUMENT', `metadata value of "${key}" has characters outside printable ASCII, which gRPC cannot carry`, {
          hint: 'send such values under a key ending in -bin',
        });
      }
      out.add(key, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  return out;
}

/** grpc-js metadata → switchyard metadata (internal keys dropped). */
export function fromGrpcMetadata(md: grpc.Metadata | null | undefined): Metadata {
  const out = new Metadata();
  if (!md) return out;
  for (const key of Object.keys(md.getMap())) {
    if (isInternal(key)) continue;
    for (const v of md.get(key)) out.add(key, typeof v === 'string' ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return out;
}

/** A grpc-js status (client side) → switchyard status, with details lifted out of the trailers. */
export function fromGrpcStatus(s: { code: number; details: string; metadata: grpc.Metadata | null }): Status {
  const raw = s.metadata?.get(STATUS_DETAILS_KEY)[0];
  const details = raw === undefined ? undefined : typeof raw === 'string' ? Buffer.from(raw, 'base64') : new Uint8Array(raw);
  return {
    code: codeFromWire(s.code),
    message: s.code === Code.OK ? '' : s.details,
    trailers: fromGrpcMetadata(s.metadata),
    ...(details ? { details } : {}),
  };
}

/** switchyard status → the trailers grpc-js sends (details as `grpc-status-details-bin`). */
export function toGrpcTrailers(s: Status): grpc.Metadata {
  const md = toGrpcMetadata(s.trailers);
  if (s.details) md.set(STATUS_DETAILS_KEY, Buffer.from(s.details));
  return md;
}

/** The remote address without grpc-js's `ipv4:` / `ipv6:` prefix. */
export function cleanPeer(peer: string): string {
  return peer.replace(/^ipv[46]:/, '');
}
