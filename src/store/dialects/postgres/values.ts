/** PostgreSQL value handling: decode driver values, encode bind parameters, range checks. */
import type { ColumnInfo } from '../../introspect.js';
import { CANONICAL_DATETIME, decodeCommon, NotRepresentable, parseDateTime, type DialectValues } from '../../neutral.js';

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const d2 = (t: string, i: number): number => (t.charCodeAt(i) - 48) * 10 + t.charCodeAt(i + 1) - 48;

function checkCalendar(column: ColumnInfo, text: string): void {
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  if (CANONICAL_DATETIME.test(text)) {
    [y, mo, d, h, mi, s] = [d2(text, 0) * 100 + d2(text, 2), d2(text, 5), d2(text, 8), d2(text, 11), d2(text, 14), d2(text, 17)];
  } else {
    const p = parseDateTime(text);
    if (!p) throw new NotRepresentable(column.name, `${JSON.stringify(text)} is not a date-time`);
    ({ y, mo, d, h, mi, s } = p);
  }
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const maxDay = mo === 2 && !leap ? 28 : (DAYS[mo - 1] ?? 0);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > maxDay || h > 23 || mi > 59 || s > 59) {
    throw new NotRepresentable(column.name, `${text} is not a valid date-time in PostgreSQL (zero dates and out-of-calendar values are not)`);
  }
}

function checkText(column: ColumnInfo, text: string): string {
  if (text.includes('\u0000')) throw new NotRepresentable(column.name, 'text contains a NUL character, which PostgreSQL text cannot store');
  return text;
}

/** Value handling for PostgreSQL (pg with exact text for int8, numeric and date-times). */
export const postgresValues: DialectValues = {
  enforcesTypes: true,
  selectExpr(column, quoted) {
    return column.family === 'json' ? `${quoted}::text` : quoted;
  },
  decode: decodeCommon,
  encode(column, value) {
    if (value === null) return null;
    switch (column.family) {
      case 'integer':
        return typeof value === 'bigint' ? value.toString() : value;
      case 'datetime':
        checkCalendar(column, String(value));
        return value;
      case 'timestamptz':
        checkCalendar(column, String(value));
        return `${String(value)}+00`;
      case 'json':
        if (/\\u0000/i.test(String(value))) throw new NotRepresentable(column.name, 'JSON contains \\u0000, which PostgreSQL json/jsonb cannot store');
        return checkText(column, String(value));
      case 'string':
      case 'other':
        return checkText(column, String(value));
      default:
        return typeof value === 'bigint' ? value.toString() : value;
    }
  },
};
