/**
 * Call metadata (headers and trailers), shared by both transports.
 *
 * Keys are lower-case ASCII. Keys ending in `-bin` carry binary values (`Uint8Array`);
 * all others carry strings. Each key may have several values, in order.
 */
import { fail } from '../errors.js';

/** A metadata value: text, or bytes for `-bin` keys. */
export type MetadataValue = string | Uint8Array;

const KEY_PATTERN = /^[0-9a-z_.-]+$/;

/** True when the key carries binary values. */
export function isBinaryKey(key: string): boolean {
  return key.endsWith('-bin');
}

/** Ordered multi-map of metadata entries. */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  /** Builds metadata from a plain record (`{ key: value | value[] }`). */
  static from(init?: Record<string, MetadataValue | MetadataValue[]> | Metadata): Metadata {
    if (init instanceof Metadata) return init.clone();
    const md = new Metadata();
    if (init) for (const [k, v] of Object.entries(init)) for (const one of Array.isArray(v) ? v : [v]) md.add(k, one);
    return md;
  }

  /** Appends a value. Throws INVALID_ARGUMENT for a bad key or a value of the wrong kind. */
  add(key: string, value: MetadataValue): this {
    const k = key.toLowerCase();
    if (!KEY_PATTERN.test(k)) throw fail('INVALID_ARGUMENT', `metadata key "${key}" has characters outside [0-9a-z_.-]`);
    const binary = isBinaryKey(k);
    if (binary && typeof value === 'string') throw fail('INVALID_ARGUMENT', `metadata key "${k}" ends in -bin and needs a binary value`);
    if (!binary && typeof value !== 'string') throw fail('INVALID_ARGUMENT', `metadata key "${k}" needs a text value (binary keys end in -bin)`);
    const list = this.map.get(k);
    if (list) list.push(value);
    else this.map.set(k, [value]);
    return this;
  }

  /** Replaces all values of a key with one value. */
  set(key: string, value: MetadataValue): this {
    this.map.delete(key.toLowerCase());
    return this.add(key, value);
  }

  /** The first value of a key, if any. */
  get(key: string): MetadataValue | undefined {
    return this.map.get(key.toLowerCase())?.[0];
  }

  /** The first text value of a key, if any (binary values are ignored). */
  getText(key: string): string | undefined {
    const v = this.get(key);
    return typeof v === 'string' ? v : undefined;
  }

  /** All values of a key (empty when absent). */
  getAll(key: string): readonly MetadataValue[] {
    return this.map.get(key.toLowerCase()) ?? [];
  }

  /** Removes a key. */
  delete(key: string): boolean {
    return this.map.delete(key.toLowerCase());
  }

  /** True when the key is present. */
  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.map.size;
  }

  /** Iterates `[key, values]` in insertion order. */
  entries(): IterableIterator<[string, MetadataValue[]]> {
    return this.map.entries();
  }

  /** A deep-enough copy (value arrays copied, byte arrays shared). */
  clone(): Metadata {
    const md = new Metadata();
    for (const [k, vs] of this.map) md.map.set(k, [...vs]);
    return md;
  }

  /** A plain record for logging or JSON: binary values as base64 strings. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, vs] of this.map) out[k] = vs.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
    return out;
  }
}
