/**
 * Outbox payloads: a flat row of neutral values as JSON. `bigint` becomes `{"$n":"…"}` and a
 * Buffer `{"$b":"<base64>"}`; every other neutral value is a JSON primitive.
 */
import type { Neutral } from '../neutral.js';

/** A row of neutral values by logical column name. */
export type NeutralRow = Record<string, Neutral>;

function tag(v: unknown): unknown {
  if (typeof v === 'bigint') return { $n: v.toString() };
  if (Buffer.isBuffer(v)) return { $b: v.toString('base64') };
  return v;
}

function untag(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const o = v as { $n?: string; $b?: string };
    if (typeof o.$n === 'string') return BigInt(o.$n);
    if (typeof o.$b === 'string') return Buffer.from(o.$b, 'base64');
  }
  return v;
}

/** Serialises a neutral row (flat: one level of values, or an array of them). */
export function encodePayload(row: NeutralRow | readonly Neutral[]): string {
  if (Array.isArray(row)) return JSON.stringify(row.map(tag));
  const out: Record<string, unknown> = {};
  for (const k in row) out[k] = tag((row as NeutralRow)[k]);
  return JSON.stringify(out);
}

/** Parses a payload written by {@link encodePayload}. */
export function decodePayload(text: string): NeutralRow {
  const parsed = JSON.parse(text) as Record<string, unknown> | unknown[];
  if (Array.isArray(parsed)) return parsed.map(untag) as unknown as NeutralRow;
  return decodeTagged(parsed);
}

/** Restores the values of an already-parsed payload object (in place). */
export function decodeTagged(parsed: Record<string, unknown>): NeutralRow {
  for (const k in parsed) parsed[k] = untag(parsed[k]);
  return parsed as NeutralRow;
}

/** A stable text for a key (column order as given), used for per-key order and lock names. */
export function keyText(key: readonly Neutral[]): string {
  return encodePayload(key);
}
