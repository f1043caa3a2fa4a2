/**
 * Engine-neutral column values: what a dialect's `values.ts` decodes a driver value into and
 * encodes a bind parameter from. One canonical form per {@link TypeFamily}:
 *
 * | family        | neutral form                                                     |
 * | ------------- | ---------------------------------------------------------------- |
 * | integer       | `bigint`                                                         |
 * | decimal       | `string`, plain decimal text (`-12.50`)                          |
 * | float         | `number`                                                         |
 * | boolean       | `boolean`                                                        |
 * | string, other | `string`                                                         |
 * | datetime      | `string` `YYYY-MM-DD HH:MM:SS[.ffffff]` (wall clock, no zone)    |
 * | timestamptz   | `string` `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC                   |
 * | date, time    | `string` `YYYY-MM-DD`, `HH:MM:SS[.ffffff]`                       |
 * | json          | `string`, the JSON text                                          |
 * | binary        | `Buffer`                                                         |
 * | uuid          | `string`, lower-case 8-4-4-4-12                                  |
 *
 * SQL NULL is `null` in every family.
 */
import type { ColumnInfo } from './introspect.js';

/** A neutral value. */
export type Neutral = null | bigint | string | number | boolean | Buffer;

/**
 * A value that cannot be represented in the target column. Thrown by converters with the
 * column; the caller adds the table and key (STORE_VALUE_NOT_REPRESENTABLE).
 */
export class NotRepresentable extends Error {
  override readonly name = 'NotRepresentable';
  constructor(
    /** The target column. */
    readonly column: string,
    /** Why, in words. */
    readonly reason: string,
  ) {
    super(`column ${column}: ${reason}`);
  }
}

/** Per-engine value handling (each dialect's `values.ts`). */
export interface DialectValues {
  /** The engine refuses values outside a column's declared type (false for SQLite's type affinity). */
  readonly enforcesTypes: boolean;
  /**
   * The SQL expression that selects a column in the form {@link decode} expects, given the
   * quoted column name (e.g. `"doc"::text` for PostgreSQL JSON so its text stays exact).
   */
  selectExpr(column: ColumnInfo, quoted: string): string;
  /** Turns a value as the driver returned it into the neutral form of the column's family. */
  decode(column: ColumnInfo, raw: unknown): Neutral;
  /** Turns a neutral value into a bind parameter for a column of this engine. */
  encode(column: ColumnInfo, value: Neutral): unknown;
}

/** `YYYY-MM-DD HH:MM:SS[.f…]` with an optional zone suffix (`Z`, `+00`, `+00:00`). */
const DATETIME_RE = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Neutral date-time text as drivers usually return it already: no zone, space separator. */
export const CANONICAL_DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})?$/;

/** A parsed date-time: wall-clock fields and fraction digits (as written). */
export interface ParsedDateTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  frac: string;
  /** Offset from UTC in minutes when the text had a zone. */
  offsetMin?: number;
}

/** Parses date-time text; undefined when it is not one. */
export function parseDateTime(text: string): ParsedDateTime | undefined {
  if (CANONICAL_DATETIME.test(text)) {
    const dot = text.indexOf('.', 19);
    return { y: +text.slice(0, 4), mo: +text.slice(5, 7), d: +text.slice(8, 10), h: +text.slice(11, 13), mi: +text.slice(14, 16), s: +text.slice(17, 19), frac: dot < 0 ? '' : text.slice(dot + 1) };
  }
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return undefined;
  const p: ParsedDateTime = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]), frac: m[7] ?? '' };
  const z = m[8];
  if (z) {
    if (z === 'Z') p.offsetMin = 0;
    else {
      const sign = z.startsWith('-') ? -1 : 1;
      const digits = z.slice(1).replace(':', '');
      p.offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    }
  }
  return p;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Formats a parsed date-time as neutral text (shifted to UTC when it had a zone). */
export function formatDateTime(p: ParsedDateTime): string {
  let { y, mo, d, h, mi } = p;
  if (p.offsetMin) {
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi) - p.offsetMin * 60_000);
    if (y < 100) t.setUTCFullYear(y);
    [y, mo, d, h, mi] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes()];
  }
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(p.s)}${p.frac ? '.' + p.frac : ''}`;
}

/** Neutral date-time text from epoch milliseconds (UTC). */
export function dateTimeFromMs(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Lower-case canonical UUID text; undefined when not a UUID. */
export function canonicalUuid(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) return t;
  if (/^[0-9a-f]{32}$/.test(t)) return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
  return undefined;
}

/** Decodes a driver value generically by family (the part every engine shares). */
export function decodeCommon(column: ColumnInfo, raw: unknown): Neutral {
  if (raw === null || raw === undefined) return null;
  switch (column.family) {
    case 'integer':
      return typeof raw === 'bigint' ? raw : BigInt(typeof raw === 'number' ? Math.trunc(raw) : String(raw).trim());
    case 'float':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return decodeBoolean(column, raw);
    case 'binary':
      return Buffer.isBuffer(raw) ? raw : raw instanceof Uint8Array ? Buffer.from(raw) : Buffer.from(String(raw), 'utf8');
    case 'json':
      return typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : JSON.stringify(raw);
    case 'datetime':
    case 'timestamptz':
      return decodeDateTime(column, raw);
    case 'uuid':
      return typeof raw === 'string' ? (canonicalUuid(raw) ?? raw) : Buffer.isBuffer(raw) && raw.length === 16 ? canonicalUuid(raw.toString('hex'))! : String(raw);
    case 'decimal':
      return typeof raw === 'string' ? raw : typeof raw === 'bigint' ? raw.toString() : String(raw);
    default:
      return Buffer.isBuffer(raw) ? raw.toString('utf8') : raw instanceof Date ? dateTimeFromMs(raw.getTime()) : typeof raw === 'string' ? raw : String(raw);
  }
}

function decodeBoolean(column: ColumnInfo, raw: unknown): Neutral {
  if (typeof raw === 'boolean') return raw;
  if (Buffer.isBuffer(raw)) return raw.length > 0 && raw[raw.length - 1] !== 0;
  const t = String(raw).trim().toLowerCase();
  if (t === '1' || t === 't' || t === 'true') return true;
  if (t === '0' || t === 'f' || t === 'false') return false;
  throw new NotRepresentable(column.name, `${JSON.stringify(t)} is not a boolean (TINYINT(1) holds only 0 or 1 as a boolean)`);
}

function decodeDateTime(column: ColumnInfo, raw: unknown): Neutral {
  if (raw instanceof Date) return dateTimeFromMs(raw.getTime());
  if (typeof raw === 'number' || typeof raw === 'bigint') return dateTimeFromMs(Number(raw));
  const text = String(raw);
  if (CANONICAL_DATETIME.test(text)) return text;
  const p = parseDateTime(text);
  if (!p) throw new NotRepresentable(column.name, `${JSON.stringify(text)} is not a date-time`);
  return formatDateTime(p);
}
