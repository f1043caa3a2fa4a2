/** MySQL/MariaDB value handling: decode driver values, encode bind parameters, range checks. */
import type { ColumnInfo } from '../../introspect.js';
import { CANONICAL_DATETIME, decodeCommon, NotRepresentable, parseDateTime, type DialectValues } from '../../neutral.js';

// TIMESTAMP holds 1970-01-01 00:00:01 .. 2038-01-19 03:14:07.999999 UTC.
const TIMESTAMP_MIN = '1970-01-01 00:00:01';
const TIMESTAMP_MAX = '2038-01-19 03:14:07.999999';

function checkDateTime(column: ColumnInfo, text: string): string {
  if (column.family === 'datetime' && CANONICAL_DATETIME.test(text) && text.charCodeAt(0) !== 48) return text;
  const p = parseDateTime(text);
  if (!p) throw new NotRepresentable(column.name, `${JSON.stringify(text)} is not a date-time`);
  if (column.family === 'timestamptz') {
    if (text < TIMESTAMP_MIN || text > TIMESTAMP_MAX) throw new NotRepresentable(column.name, `${text} UTC is outside the TIMESTAMP range ${TIMESTAMP_MIN} .. 2038-01-19 03:14:07 UTC`);
  } else if (p.y < 1 || p.y > 9999) {
    throw new NotRepresentable(column.name, `${text} is outside the DATETIME range (years 1..9999)`);
  }
  return text;
}

/** Value handling for MySQL/MariaDB (mysql2 with exact strings for numbers and dates). */
export const mysqlValues: DialectValues = {
  enforcesTypes: true,
  selectExpr(_column, quoted) {
    return quoted;
  },
  decode: decodeCommon,
  encode(column, value) {
    if (value === null) return null;
    switch (column.family) {
      case 'boolean':
        return value === true || value === 1 || value === 1n || value === '1' ? 1 : 0;
      case 'integer':
        return typeof value === 'bigint' ? value.toString() : value;
      case 'datetime':
      case 'timestamptz':
        return checkDateTime(column, String(value));
      default:
        return typeof value === 'bigint' ? value.toString() : value;
    }
  },
};
