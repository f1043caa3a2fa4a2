/**
 * Canonical text computed in Node: the same rules as the engines' canonical SQL
 * (docs/normalization.md), for SQLite (registered as user functions) and for what the
 * reconciler compares outside the databases (JSON, float tolerance).
 */
import { createHash } from 'node:crypto';
import { splitDecimal } from './convert.js';
import { dateTimeFromMs, formatDateTime, parseDateTime } from './neutral.js';

/** A value as SQLite (better-sqlite3 with safe integers) passes it to a user function. */
export type SqliteValue = null | number | bigint | string | Buffer;

function asText(v: SqliteValue): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Integer text. */
export function canonInteger(v: SqliteValue): string | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  const t = asText(v).trim();
  return /^[+-]?\d+$/.test(t) ? BigInt(t).toString() : t;
}

/** `1` / `0` (any non-zero number is true). */
export function canonBoolean(v: SqliteValue): string | null {
  if (v === null) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0 ? '1' : '0';
  const t = asText(v).trim().toLowerCase();
  if (t === 'true' || t === 't') return '1';
  if (t === 'false' || t === 'f') return '0';
  const n = Number(t);
  return Number.isNaN(n) ? t : n !== 0 ? '1' : '0';
}

/** Rounds decimal digits half away from zero to `scale` places; `scale` null strips trailing zeros. */
export function canonDecimal(v: SqliteValue, scale: number | null): string | null {
  if (v === null) return null;
  const text = typeof v === 'number' ? String(v) : asText(v);
  const d = splitDecimal(text);
  if (!d) return text;
  if (scale === null) return `${d.neg ? '-' : ''}${d.int || '0'}${d.frac ? '.' + d.frac : ''}`;
  let digits = (d.int || '0') + d.frac.padEnd(scale, '0').slice(0, scale);
  const roundUp = (d.frac[scale] ?? '0') >= '5';
  if (roundUp) digits = (BigInt(digits) + 1n).toString().padStart(digits.length, '0');
  const intLen = digits.length - scale;
  const int = digits.slice(0, intLen).replace(/^0+(?=\d)/, '') || '0';
  const frac = digits.slice(intLen);
  const zero = /^0*$/.test(int + frac);
  return `${d.neg && !zero ? '-' : ''}${int}${scale > 0 ? '.' + frac : ''}`;
}

/** Round half to even, like rint() in the databases. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** `<mantissa>e<exponent>` with `digits` significant digits; `0`, `nan`, `inf`, `-inf`. */
export function canonFloat(v: SqliteValue, digits: number): string | null {
  if (v === null) return null;
  const x = typeof v === 'number' ? v : Number(typeof v === 'bigint' ? v : asText(v));
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return '0';
  const k = Math.floor(Math.log10(Math.abs(x))) - (digits - 1);
  return `${rint(x / Math.pow(10, k))}e${k}`;
}

/** Text, optionally without trailing spaces. */
export function canonString(v: SqliteValue, rtrim: boolean): string | null {
  if (v === null) return null;
  const t = typeof v === 'bigint' ? v.toString() : asText(v);
  return rtrim ? t.replace(/ +$/, '') : t;
}

/** Lower-case UUID, dashed or as 32 hex digits. */
export function canonUuid(v: SqliteValue, form: 'dashed' | 'hex'): string | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('hex');
  const t = asText(v).toLowerCase();
  return form === 'hex' ? t.replace(/-/g, '') : t;
}

/** `YYYY-MM-DD HH:MM:SS[.f]` in UTC, truncated to `digits` fraction digits, trailing zeros dropped. Numbers are epoch ms. */
export function canonTimestamp(v: SqliteValue, digits: number): string | null {
  if (v === null) return null;
  let text: string;
  if (typeof v === 'number' || typeof v === 'bigint') text = dateTimeFromMs(Number(v));
  else {
    const raw = asText(v);
    const p = parseDateTime(raw);
    if (!p) return raw;
    text = formatDateTime(p);
  }
  return withFraction(text, 19, digits);
}

function withFraction(text: string, wholeLength: number, digits: number): string {
  const whole = text.slice(0, wholeLength);
  const frac = (text.length > wholeLength + 1 ? text.slice(wholeLength + 1) : '').slice(0, digits).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/** `YYYY-MM-DD`. */
export function canonDate(v: SqliteValue): string | null {
  if (v === null) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return dateTimeFromMs(Number(v)).slice(0, 10);
  return asText(v).slice(0, 10);
}

/** `HH:MM:SS[.f]` truncated to `digits`, trailing zeros dropped. */
export function canonTime(v: SqliteValue, digits: number): string | null {
  if (v === null) return null;
  const t = asText(v);
  const m = /^(-?\d{2,}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(t.trim());
  if (!m) return t;
  return withFraction(`${m[1]!}.${m[2] ?? ''}`, m[1]!.length, digits);
}

/** Lower-case hex of bytes (text is taken as UTF-8). */
export function canonBinary(v: SqliteValue): string | null {
  if (v === null) return null;
  return (Buffer.isBuffer(v) ? v : Buffer.from(asText(v), 'utf8')).toString('hex');
}

/** The first 64 bits (big-endian, unsigned) of the SHA-256 of a text's UTF-8 bytes: a row hash. */
export function hashHead64(text: string): bigint {
  return createHash('sha256').update(text, 'utf8').digest().readBigUInt64BE(0);
}
