/**
 * Converting neutral values from a source column to a target column, checking that the
 * target can hold each value exactly. Nothing is rounded, truncated or clamped: a value the
 * target cannot represent throws {@link NotRepresentable} naming the column and why.
 */
import type { ColumnInfo, TypeFamily } from './introspect.js';
import { CANONICAL_DATETIME, canonicalUuid, NotRepresentable, parseDateTime, type Neutral } from './neutral.js';

/** Converts one neutral value. */
export type Converter = (value: Neutral) => Neutral;

const INT_LIMITS = new Map<string, [bigint, bigint]>();
function intRange(col: ColumnInfo): [bigint, bigint] {
  const bytes = col.intBytes ?? 8;
  const key = `${bytes}${col.unsigned ? 'u' : 's'}`;
  let r = INT_LIMITS.get(key);
  if (!r) {
    const bits = BigInt(bytes * 8);
    r = col.unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
    INT_LIMITS.set(key, r);
  }
  return r;
}

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** Splits decimal text into sign, integer digits (no leading zeros) and fraction digits (no trailing zeros). */
export function splitDecimal(text: string): { neg: boolean; int: string; frac: string } | undefined {
  if (PLAIN_DECIMAL.test(text)) {
    const neg = text.charCodeAt(0) === 45;
    const dot = text.indexOf('.');
    let int = text.slice(neg ? 1 : 0, dot < 0 ? undefined : dot);
    let frac = dot < 0 ? '' : text.slice(dot + 1);
    if (int.charCodeAt(0) === 48) int = int.replace(/^0+/, '');
    if (frac.charCodeAt(frac.length - 1) === 48) frac = frac.replace(/0+$/, '');
    return { neg: neg && (int !== '' || frac !== ''), int, frac };
  }
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (!m[2] && !m[3])) return undefined;
  let int = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) {
    const moved = frac.slice(0, exp).padEnd(exp, '0');
    int += moved;
    frac = frac.slice(exp);
  } else if (exp < 0) {
    const k = -exp;
    const padded = int.padStart(k, '0');
    frac = padded.slice(padded.length - k) + frac;
    int = padded.slice(0, padded.length - k);
  }
  int = int.replace(/^0+/, '');
  frac = frac.replace(/0+$/, '');
  return { neg: m[1] === '-' && (int !== '' || frac !== ''), int, frac };
}

function decimalText(d: { neg: boolean; int: string; frac: string }): string {
  return `${d.neg ? '-' : ''}${d.int || '0'}${d.frac ? '.' + d.frac : ''}`;
}

function checkInteger(tgt: ColumnInfo, v: bigint): bigint {
  const [lo, hi] = intRange(tgt);
  if (v < lo || v > hi) throw new NotRepresentable(tgt.name, `${v} is out of range for ${tgt.nativeType} (${lo}..${hi})`);
  return v;
}

function checkDecimal(tgt: ColumnInfo, text: string): string {
  const d = splitDecimal(text);
  if (!d) throw new NotRepresentable(tgt.name, `${JSON.stringify(text)} is not a number`);
  if (tgt.scale !== undefined && d.frac.length > tgt.scale) {
    throw new NotRepresentable(tgt.name, `${text} has ${d.frac.length} decimal places; ${tgt.nativeType} keeps ${tgt.scale} (it would be rounded)`);
  }
  if (tgt.precision !== undefined && tgt.scale !== undefined && d.int.length > tgt.precision - tgt.scale) {
    throw new NotRepresentable(tgt.name, `${text} has ${d.int.length} integer digits; ${tgt.nativeType} allows ${tgt.precision - tgt.scale}`);
  }
  return decimalText(d);
}

function checkLength(tgt: ColumnInfo, s: string): string {
  if (tgt.maxLength !== undefined && s.length > tgt.maxLength) {
    let n = 0;
    for (const _ of s) n++;
    if (n > tgt.maxLength) throw new NotRepresentable(tgt.name, `text of ${n} characters does not fit ${tgt.nativeType} (at most ${tgt.maxLength})`);
  }
  return s;
}

function checkFraction(tgt: ColumnInfo, text: string): string {
  const dot = text.indexOf('.');
  if (dot < 0) return text;
  const frac = text.slice(dot + 1);
  const keep = tgt.fractionalDigits ?? 6;
  const significant = frac.replace(/0+$/, '');
  if (significant.length > keep) {
    throw new NotRepresentable(tgt.name, `${text} has ${significant.length} fractional-second digits; ${tgt.nativeType} keeps ${keep} (it would be rounded)`);
  }
  return significant ? text.slice(0, dot + 1) + significant : text.slice(0, dot);
}

function toBigInt(tgt: ColumnInfo, v: Neutral): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new NotRepresentable(tgt.name, `${v} is not an integer`);
    return BigInt(v);
  }
  const d = splitDecimal(String(v));
  if (!d || d.frac) throw new NotRepresentable(tgt.name, `${JSON.stringify(String(v))} is not an integer`);
  return BigInt(`${d.neg ? '-' : ''}${d.int || '0'}`);
}

function toFloat(tgt: ColumnInfo, v: Neutral): number {
  if (typeof v === 'number') return v;
  const text = typeof v === 'bigint' ? v.toString() : toText(v);
  const n = Number(text);
  const want = splitDecimal(text);
  const got = splitDecimal(String(n));
  if (!Number.isFinite(n) || !want || !got || decimalText(want) !== decimalText(got)) {
    throw new NotRepresentable(tgt.name, `${text} cannot be stored exactly as ${tgt.nativeType}`);
  }
  return n;
}

function toText(v: Neutral): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

const CONVERTERS: Partial<Record<TypeFamily, (src: ColumnInfo, tgt: ColumnInfo) => Converter | undefined>> = {
  integer: (_src, tgt) => (v) => checkInteger(tgt, toBigInt(tgt, v)),
  decimal: (_src, tgt) => (v) => checkDecimal(tgt, typeof v === 'bigint' || typeof v === 'number' ? String(v) : toText(v)),
  float: (_src, tgt) => (v) => toFloat(tgt, v),
  boolean: (_src, tgt) => (v) => {
    if (typeof v === 'boolean') return v;
    const n = toBigInt(tgt, v);
    if (n !== 0n && n !== 1n) throw new NotRepresentable(tgt.name, `${n} is not a boolean (only 0 and 1 are)`);
    return n === 1n;
  },
  string: (_src, tgt) => (v) => checkLength(tgt, toText(v)),
  other: (_src, _tgt) => (v) => toText(v),
  json: (_src, tgt) => (v) => {
    const text = toText(v);
    try {
      JSON.parse(text);
    } catch {
      throw new NotRepresentable(tgt.name, `${JSON.stringify(text.slice(0, 40))} is not valid JSON`);
    }
    return text;
  },
  binary: (src, tgt) => (v) => {
    const b = Buffer.isBuffer(v) ? v : src.family === 'uuid' ? Buffer.from(String(v).replace(/-/g, ''), 'hex') : Buffer.from(toText(v), 'utf8');
    if (tgt.maxLength !== undefined && b.length > tgt.maxLength) throw new NotRepresentable(tgt.name, `${b.length} bytes do not fit ${tgt.nativeType} (at most ${tgt.maxLength})`);
    return b;
  },
  uuid: (_src, tgt) => (v) => {
    const u = Buffer.isBuffer(v) && v.length === 16 ? canonicalUuid(v.toString('hex')) : canonicalUuid(toText(v));
    if (!u) throw new NotRepresentable(tgt.name, `${JSON.stringify(toText(v).slice(0, 40))} is not a UUID`);
    return u;
  },
  datetime: (_src, tgt) => (v) => checkFraction(tgt, dateTimeText(tgt, v)),
  timestamptz: (_src, tgt) => (v) => checkFraction(tgt, dateTimeText(tgt, v)),
  date: (_src, tgt) => (v) => {
    const t = toText(v);
    if (!/^-?\d{4,}-\d{2}-\d{2}$/.test(t)) throw new NotRepresentable(tgt.name, `${JSON.stringify(t)} is not a date`);
    return t;
  },
  time: (_src, tgt) => (v) => checkFraction(tgt, toText(v)),
};

function dateTimeText(tgt: ColumnInfo, v: Neutral): string {
  const t = toText(v);
  if (CANONICAL_DATETIME.test(t)) return t;
  const p = parseDateTime(t);
  if (!p) throw new NotRepresentable(tgt.name, `${JSON.stringify(t)} is not a date-time`);
  return t;
}

/** Which source families each target family accepts (besides its own). */
const ACCEPTS: Record<TypeFamily, readonly TypeFamily[]> = {
  integer: ['integer', 'decimal', 'boolean', 'float'],
  decimal: ['decimal', 'integer', 'float'],
  float: ['float', 'integer', 'decimal'],
  boolean: ['boolean', 'integer'],
  string: ['string', 'uuid', 'json', 'other', 'integer', 'decimal', 'date', 'time', 'datetime', 'timestamptz', 'boolean', 'float'],
  other: ['other', 'string'],
  json: ['json', 'string'],
  binary: ['binary', 'uuid'],
  uuid: ['uuid', 'string', 'binary'],
  datetime: ['datetime', 'timestamptz'],
  timestamptz: ['timestamptz', 'datetime'],
  date: ['date'],
  time: ['time'],
};

/** Whether a source family can be converted to a target family at all. */
export function compatibleFamilies(src: TypeFamily, tgt: TypeFamily): boolean {
  return ACCEPTS[tgt].includes(src);
}

/**
 * True when every value `src` can hold fits `tgt` unchanged (same family, bounds at least as
 * wide), so a value read from an engine that enforces its declared types needs no check.
 */
export function isWidening(src: ColumnInfo, tgt: ColumnInfo): boolean {
  if (src.family !== tgt.family) return false;
  switch (src.family) {
    case 'integer': {
      if (src.intBytes === undefined || tgt.intBytes === undefined) return false;
      const [slo, shi] = intRange(src);
      const [tlo, thi] = intRange(tgt);
      return slo >= tlo && shi <= thi;
    }
    case 'decimal':
      if (tgt.precision === undefined || tgt.scale === undefined) return true;
      return src.precision !== undefined && src.scale !== undefined && tgt.scale >= src.scale && tgt.precision - tgt.scale >= src.precision - src.scale;
    case 'string':
    case 'binary':
      return tgt.maxLength === undefined || (src.maxLength !== undefined && tgt.maxLength >= src.maxLength);
    case 'datetime':
    case 'timestamptz':
    case 'time':
      return (tgt.fractionalDigits ?? 6) >= (src.fractionalDigits ?? 6);
    case 'boolean':
    case 'json':
    case 'uuid':
    case 'date':
      return true;
    default:
      return false;
  }
}

/** Options of {@link compileConverter}. */
export interface ConverterOptions {
  /**
   * Values come from a column of an engine that enforces its declared type (MySQL,
   * PostgreSQL; not SQLite), so a widening conversion skips the per-value checks. Default false.
   */
  trustSource?: boolean;
}

/**
 * Builds the converter from `src` to `tgt`. Throws NotRepresentable (for the target column)
 * when the families are incompatible; the returned converter throws for a value that does not fit.
 */
export function compileConverter(src: ColumnInfo, tgt: ColumnInfo, options: ConverterOptions = {}): Converter {
  if (!compatibleFamilies(src.family, tgt.family)) {
    throw new NotRepresentable(tgt.name, `a ${src.family} column (${src.nativeType}) cannot be copied into a ${tgt.family} column (${tgt.nativeType})`);
  }
  const inner = options.trustSource && isWidening(src, tgt) ? undefined : (CONVERTERS[tgt.family]?.(src, tgt) ?? ((v: Neutral) => v));
  const notNull = !tgt.nullable;
  return (v) => {
    if (v === null) {
      if (notNull) throw new NotRepresentable(tgt.name, `NULL does not fit the NOT NULL column ${tgt.name}`);
      return null;
    }
    return inner ? inner(v) : v;
  };
}
