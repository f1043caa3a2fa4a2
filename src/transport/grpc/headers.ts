/**
 * Metadata ↔ HTTP/2 header blocks.
 *
 * Reserved headers (pseudo-headers, `content-type`, `te`, `grpc-*` protocol headers, HTTP/1
 * connection headers) are never taken from user metadata and never handed to it. `-bin`
 * values are sent as base64 without padding and read tolerantly (padding optional, several
 * values joined by commas).
 */
import { fail } from '../../errors.js';
import { Metadata, isBinaryKey } from '../metadata.js';

/** Header names the transport owns; user metadata with these keys is dropped. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'te',
  'host',
  'user-agent',
  'date',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'grpc-status',
  'grpc-message',
  'grpc-status-details-bin',
]);

/** True when a header is the transport's own (never user metadata). */
export function isReservedHeader(key: string): boolean {
  return key.charCodeAt(0) === 0x3a /* : */ || RESERVED_HEADERS.has(key);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const CONTROL = /[\x00-\x1f\x7f]/;
const HIGH_OCTET = /[\x80-\xff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A text value as HTTP/2 field octets. gRPC's own rule is printable ASCII; other Unicode
 * text is sent as its UTF-8 octets (HTTP/2 allows octets 0x80–0xFF in field values), which
 * a switchyard peer reads back exactly. Peers that insist on ASCII (grpc-js, grpc-go) drop
 * such entries. Control characters are never sent.
 */
function encodeTextValue(key: string, value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value;
  if (CONTROL.test(value)) throw fail('INVALID_ARGUMENT', `metadata value of "${key}" contains control characters, which HTTP/2 cannot carry; send it under a key ending in -bin`);
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** The text of a received field value: UTF-8 when its high octets form valid UTF-8, else Latin-1. */
function decodeTextValue(value: string): string {
  if (!HIGH_OCTET.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/**
 * Adds user metadata to an outgoing header block. Reserved keys are skipped. Throws
 * INVALID_ARGUMENT for a text value with control characters (use a `-bin` key).
 */
export function metadataToHeaders(md: Metadata | undefined, out: Record<string, string | string[]>): Record<string, string | string[]> {
  if (!md || md.size === 0) return out;
  for (const [key, values] of md.entries()) {
    if (isReservedHeader(key) || values.length === 0) continue;
    const binary = isBinaryKey(key);
    const encoded: string[] = [];
    for (const v of values) {
      if (binary) {
        encoded.push(base64NoPad(v as Uint8Array));
      } else {
        encoded.push(encodeTextValue(key, v as string));
      }
    }
    out[key] = encoded.length === 1 ? encoded[0]! : encoded;
  }
  return out;
}

/**
 * Builds metadata from a raw header list (`[name, value, name, value, …]`, as node:http2
 * hands it over), skipping reserved headers and entries metadata cannot hold.
 */
export function headersToMetadata(raw: readonly string[]): Metadata {
  const md = new Metadata();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    if (isReservedHeader(key)) continue;
    const value = raw[i + 1]!;
    try {
      if (isBinaryKey(key)) {
        for (const part of value.split(',')) md.add(key, Buffer.from(part.trim(), 'base64'));
      } else {
        md.add(key, decodeTextValue(value));
      }
    } catch {
      // A key metadata cannot represent (characters outside [0-9a-z_.-]): not user metadata.
    }
  }
  return md;
}

/** The first value of a header in a raw list, if present. */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i] === name) return raw[i + 1];
  return undefined;
}

/** Encodes bytes as base64 without padding (what gRPC sends for `-bin` values). */
export function base64NoPad(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  return end === s.length ? s : s.slice(0, end);
}
