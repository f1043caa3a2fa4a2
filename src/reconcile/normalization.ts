/**
 * Which canonical rendering a column pair gets (docs/normalization.md), and the rules text
 * every report records.
 */
import type { CanonSpec } from '../store/canonical.js';
import type { ColumnInfo, TypeFamily } from '../store/introspect.js';

/** Version of the rules below; bump when a rendering changes. */
export const NORMALIZATION_VERSION = '1';

/** The rules, as recorded in every report. */
export const NORMALIZATION_RULES: readonly string[] = [
  'NULL is distinct from every value, including the empty string; text values are length-prefixed in the hashed row text.',
  'Integers: decimal digits. Booleans: 1/0 (any non-zero TINYINT is true); a boolean compared with an integer column is 1/0.',
  'DECIMAL/NUMERIC: compared at the smaller scale of the two sides, rounded half away from zero; unconstrained NUMERIC on both sides: trailing zeros stripped.',
  'Floats: hashed as N significant digits (15 for double, 6 when either side is single precision), rounded half to even; rows that differ in the hash are then compared with a relative tolerance (|a-b| <= tol * max(|a|,|b|)).',
  'Date-times: UTC (sessions run in UTC), YYYY-MM-DD HH:MM:SS.f at the smaller fractional precision of the two sides, TRUNCATED (never rounded) on both sides, trailing zeros of the fraction dropped. DATETIME/timestamp and TIMESTAMP/timestamptz compare as the same instant text.',
  'Dates: YYYY-MM-DD. Times: HH:MM:SS.f truncated to the smaller precision, trailing zeros dropped.',
  'Strings: compared byte for byte as UTF-8: case-sensitive, accent-sensitive, trailing spaces significant, whatever the column collation; fixed-width CHAR columns drop trailing spaces (padding).',
  'JSON: canonical text with sorted keys, no whitespace, last duplicate key wins, numbers as exact decimals (2.50 = 2.5). Hashed inside PostgreSQL (jsonb text) or SQLite when both sides use that engine; otherwise JSON columns are hashed in Node from their text, and every JSON comparison of fetched rows is made in Node.',
  'Binary: lower-case hex. UUID: lower-case 8-4-4-4-12; a UUID compared with BINARY(16) is 32 hex digits.',
  'Keys: rows are matched by canonical key text; ranges use each engine\'s own ordering and any row found out of place is looked up by key, so collation order never produces a false mismatch.',
  'Row hash: SHA-256 of the canonical row text (UTF-8); a range checksum is the row count plus the sum mod 2^64 of the first 64 bits of each row hash.',
];

/** A column pair's comparison. */
export interface Pairing {
  spec: CanonSpec;
  /** Hashed by the databases, or (JSON across engines) in Node. */
  hashed: 'in-database' | 'in-node';
  /** Readable rule for reports. */
  rule: string;
  /** Float tolerance (relative), for `float` specs. */
  floatTolerance?: number;
}

/** Context for pairing. */
export interface PairingContext {
  sameEngine: boolean;
  nativeJson: boolean;
  floatBits: { legacy: 32 | 64; next: 32 | 64 };
  /** Fixed-width CHAR on either side. */
  fixedWidth: boolean;
  /** User override of float significant digits. */
  floatDigits?: number;
  /** User override of the relative float tolerance. */
  floatTolerance?: number;
}

const MAX_FLOAT_DIGITS = 15;

function floatPairing(ctx: PairingContext): Pairing {
  const single = ctx.floatBits.legacy === 32 || ctx.floatBits.next === 32;
  let digits = ctx.floatDigits ?? (single ? 6 : MAX_FLOAT_DIGITS);
  // The hash must resolve every difference the tolerance counts: tolerance >= 10^(1-digits).
  if (ctx.floatTolerance !== undefined && ctx.floatTolerance > 0) {
    digits = Math.max(digits, Math.min(MAX_FLOAT_DIGITS, Math.ceil(1 - Math.log10(ctx.floatTolerance))));
  }
  digits = Math.min(MAX_FLOAT_DIGITS, Math.max(1, digits));
  const tolerance = ctx.floatTolerance ?? Number(`1e${1 - digits}`);
  return { spec: { t: 'float', digits }, hashed: 'in-database', rule: `float: ${digits} significant digits in the hash, relative tolerance ${tolerance}`, floatTolerance: tolerance };
}

function minDigits(a: ColumnInfo, b: ColumnInfo): number {
  return Math.min(a.fractionalDigits ?? 0, b.fractionalDigits ?? 0);
}

function has(pair: [TypeFamily, TypeFamily], x: TypeFamily, y: TypeFamily): boolean {
  return (pair[0] === x && pair[1] === y) || (pair[0] === y && pair[1] === x);
}

/** The comparison for a column pair, or a reason they cannot be compared. */
export function pairColumns(l: ColumnInfo, n: ColumnInfo, ctx: PairingContext): Pairing | { error: string } {
  const fams: [TypeFamily, TypeFamily] = [l.family, n.family];
  const db = (spec: CanonSpec, rule: string): Pairing => ({ spec, hashed: 'in-database', rule });
  if (l.family === n.family) {
    switch (l.family) {
      case 'integer':
        return db({ t: 'integer' }, 'integer');
      case 'boolean':
        return db({ t: 'boolean' }, 'boolean as 1/0');
      case 'decimal': {
        const scales = [l.scale, n.scale].filter((s): s is number => s !== undefined);
        const scale = scales.length ? Math.min(...scales) : null;
        return db({ t: 'decimal', scale }, scale === null ? 'decimal, trailing zeros stripped' : `decimal at scale ${scale}, rounded half away from zero`);
      }
      case 'float':
        return floatPairing(ctx);
      case 'string': {
        const rtrim = ctx.fixedWidth;
        return db({ t: 'string', rtrim }, rtrim ? 'text, trailing spaces dropped (fixed-width CHAR)' : 'text, exact');
      }
      case 'datetime':
      case 'timestamptz': {
        const d = minDigits(l, n);
        return db({ t: 'timestamp', digits: d }, `timestamp(${d}) UTC, truncated`);
      }
      case 'date':
        return db({ t: 'date' }, 'date');
      case 'time': {
        const d = minDigits(l, n);
        return db({ t: 'time', digits: d }, `time(${d}), truncated`);
      }
      case 'json':
        return ctx.sameEngine && ctx.nativeJson
          ? db({ t: 'json' }, 'JSON, canonical (hashed in the database)')
          : { spec: { t: 'json' }, hashed: 'in-node', rule: 'JSON, canonical (hashed in Node)' };
      case 'binary':
        return db({ t: 'binary' }, 'binary as hex');
      case 'uuid':
        return db({ t: 'uuid', form: 'dashed' }, 'UUID, lower case');
      case 'other':
        if (l.nativeType === n.nativeType) return db({ t: 'text' }, `${l.nativeType} as the engines' text`);
        return { error: `types ${l.nativeType} and ${n.nativeType} have no common canonical form` };
    }
  }
  if (has(fams, 'integer', 'boolean')) return db({ t: 'integer' }, 'boolean vs integer: 1/0 vs the integer');
  if (has(fams, 'integer', 'decimal')) return db({ t: 'decimal', scale: 0 }, 'decimal vs integer: at scale 0, rounded half away from zero');
  if (has(fams, 'float', 'decimal') || has(fams, 'float', 'integer')) return floatPairing(ctx);
  if (has(fams, 'datetime', 'timestamptz')) {
    const d = minDigits(l, n);
    return db({ t: 'timestamp', digits: d }, `timestamp(${d}) UTC, truncated`);
  }
  if (has(fams, 'string', 'uuid')) return db({ t: 'uuid', form: 'dashed' }, 'UUID text, lower case');
  if (has(fams, 'binary', 'uuid')) return db({ t: 'uuid', form: 'hex' }, 'UUID vs binary: 32 lower-case hex digits');
  if (has(fams, 'string', 'json')) return { spec: { t: 'json' }, hashed: 'in-node', rule: 'JSON (text on one side), canonical (hashed in Node)' };
  if (has(fams, 'string', 'other')) return db({ t: 'string', rtrim: false }, 'text, exact');
  return { error: `a ${l.family} column (${l.nativeType}) cannot be compared with a ${n.family} column (${n.nativeType})` };
}

/** Specs a key column may have: exact, orderable renderings. */
export function keyPairingProblem(l: ColumnInfo, n: ColumnInfo, p: Pairing): string | undefined {
  switch (p.spec.t) {
    case 'integer':
    case 'string':
    case 'uuid':
    case 'date':
    case 'binary':
      return undefined;
    case 'decimal':
      return l.scale === n.scale ? undefined : `decimal key columns need the same scale on both sides (${l.nativeType} vs ${n.nativeType})`;
    case 'timestamp':
      return l.fractionalDigits === n.fractionalDigits ? undefined : `date-time key columns need the same precision on both sides (${l.nativeType} vs ${n.nativeType})`;
    default:
      return `a ${l.family} column cannot be a reconcile key`;
  }
}
