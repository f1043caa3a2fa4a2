/**
 * The binary metadata block (OPEN, HEADERS, STATUS trailers):
 * `u16 count`, then `count` entries of `u16 keyLength, key (ASCII), u32 valueLength, value`.
 * Text values are UTF-8; values of `-bin` keys are raw bytes.
 */
import { Metadata, isBinaryKey } from '../metadata.js';
import { readU16, readU32, readUtf8, utf8Length, writeU16, writeU32, writeUtf8 } from './bytes.js';
import { protocolError } from './frames.js';

/** Bytes the block for `md` takes. */
export function metadataSize(md: Metadata | undefined): number {
  let n = 2;
  if (!md) return n;
  for (const [key, values] of md.entries()) {
    for (const v of values) n += 6 + key.length + (typeof v === 'string' ? utf8Length(v) : v.byteLength);
  }
  return n;
}

/** Writes the block at `o`; returns the offset after it. */
export function writeMetadata(md: Metadata | undefined, b: Uint8Array, o: number): number {
  const countAt = o;
  let count = 0;
  o += 2;
  if (md) {
    for (const [key, values] of md.entries()) {
      for (const v of values) {
        writeU16(b, o, key.length);
        o += 2;
        o += writeUtf8(key, b, o);
        if (typeof v === 'string') {
          const len = writeUtf8(v, b, o + 4);
          writeU32(b, o, len);
          o += 4 + len;
        } else {
          writeU32(b, o, v.byteLength);
          b.set(v, o + 4);
          o += 4 + v.byteLength;
        }
        count++;
      }
    }
  }
  writeU16(b, countAt, count);
  return o;
}

/** Reads a block from `b[o..end)`; returns it and the offset after it. Throws ProtocolError. */
export function readMetadata(b: Uint8Array, o: number, end: number, frame: number, streamId: number): { metadata: Metadata; next: number } {
  const md = new Metadata();
  if (end - o < 2) protocolError(frame, streamId, 'metadata block truncated before its entry count');
  const count = readU16(b, o);
  o += 2;
  for (let i = 0; i < count; i++) {
    if (end - o < 2) protocolError(frame, streamId, `metadata entry ${i} truncated`);
    const keyLen = readU16(b, o);
    o += 2;
    if (keyLen === 0 || end - o < keyLen + 4) protocolError(frame, streamId, `metadata entry ${i} has a bad key length ${keyLen}`);
    let key: string;
    try {
      key = readUtf8(b, o, o + keyLen);
    } catch {
      protocolError(frame, streamId, `metadata entry ${i}: key is not valid UTF-8`);
    }
    o += keyLen;
    const valueLen = readU32(b, o);
    o += 4;
    if (valueLen > end - o) protocolError(frame, streamId, `metadata "${key}": value length ${valueLen} exceeds the frame`);
    try {
      md.add(key, isBinaryKey(key) ? b.slice(o, o + valueLen) : readUtf8(b, o, o + valueLen));
    } catch (err) {
      protocolError(frame, streamId, `metadata "${key.slice(0, 40)}": ${err instanceof TypeError ? 'value is not valid UTF-8' : ((err as { rawMessage?: string }).rawMessage ?? String(err))}`);
    }
    o += valueLen;
  }
  return { metadata: md, next: o };
}
