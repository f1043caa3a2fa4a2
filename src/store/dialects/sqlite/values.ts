/** SQLite value handling: exact integers on read, and what SQLite's type affinity would change. */
import type { ColumnInfo } from '../../introspect.js';
import { splitDecimal } from '../../convert.js';
import { decodeCommon, NotRepresentable, type DialectValues } from '../../neutral.js';

// SQLite keeps a DECIMAL/NUMERIC value as an integer or an 8-byte REAL: 15 significant digits are exact.
const REAL_DIGITS = 15;

function checkDecimal(column: ColumnInfo, text: string): string {
  const d = splitDecimal(text);
  if (d && d.frac && (d.int + d.frac).replace(/^0+/, '').length > REAL_DIGITS) {
    throw new NotRepresentable(column.name, `${text} has more than ${REAL_DIGITS} significant digits, which SQLite's NUMERIC affinity would round`);
  }
  return text;
}

/** Value handling for SQLite (better-sqlite3). */
export const sqliteValues: DialectValues = {
  enforcesTypes: false,
  selectExpr(column, quoted) {
    // better-sqlite3 returns integers as JS numbers; text keeps values above 2^53 exact.
    return column.family === 'integer' ? `CAST(${quoted} AS TEXT)` : quoted;
  },
  decode: decodeCommon,
  encode(column, value) {
    if (value === null) return null;
    switch (column.family) {
      case 'boolean':
        return value === true || value === 1 || value === 1n ? 1 : 0;
      case 'decimal':
        return checkDecimal(column, String(value));
      default:
        return value;
    }
  },
};
