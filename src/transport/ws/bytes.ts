/**
 * Byte helpers for the binary frame codec. Plain `Uint8Array` code (no Node `Buffer`), so
 * the client runs in a browser; in Node, buffers come from `Buffer.allocUnsafe`.
 */

/** Allocates an uninitialised byte array (Node) or a zeroed one (browsers). */
export const allocBytes: (size: number) => Uint8Array =
  typeof Buffer === 'function' ? (size) => Buffer.allocUnsafe(size) : (size) => new Uint8Array(size);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Writes a big-endian u32. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Reads a big-endian u32. */
export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Writes a big-endian u16. */
export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Reads a big-endian u16. */
export function readU16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** UTF-8 byte length of a string (lone surrogates count 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes a string as UTF-8 at `o`; returns the bytes written. */
export function writeUtf8(s: string, b: Uint8Array, o: number): number {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    b[o + i] = c;
  }
  if (i === s.length) return i;
  return i + encoder.encodeInto(s.slice(i), b.subarray(o + i)).written;
}

/** Decodes UTF-8; throws TypeError on invalid input. */
export function readUtf8(b: Uint8Array, start: number, end: number): string {
  if (end - start < 32) {
    let ascii = '';
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return decoder.decode(b.subarray(start, end));
      ascii += String.fromCharCode(c);
    }
    return ascii;
  }
  return decoder.decode(b.subarray(start, end));
}

/** Encodes bytes as base64 (browser-safe). */
export function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer === 'function') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes base64 or base64url; returns undefined when the text is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) && !BASE64URL.test(text)) return undefined;
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  if (typeof Buffer === 'function') return new Uint8Array(Buffer.from(std, 'base64'));
  try {
    const bin = atob(std);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}
