/** PostgreSQL upserts: `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` with a version guard. */
import type { ColumnInfo } from '../../introspect.js';
import type { DialectWrites, UpsertSpec } from '../../write-dialect.js';
import { onConflictUpsert, valuesPlaceholders } from '../../upsert-sql.js';

/** Quotes a possibly schema-qualified name. */
export const q = (name: string): string =>
  name
    .split('.')
    .map((p) => '"' + p.replace(/"/g, '""') + '"')
    .join('.');

/** The upsert with rows from `rowsSql` (a VALUES list or a SELECT). */
export function upsertFrom(spec: UpsertSpec, rowsSql: string): string {
  return onConflictUpsert(spec, (c) => q(c), `INSERT INTO ${q(spec.table)} AS t`, 't', rowsSql);
}

/**
 * The array element type a column's values travel as in a columnar upsert; the INSERT's
 * assignment cast then gives the column's own precision, scale or length (values were checked
 * against them before). Undefined for types not handled (arrays, user-defined, intervals …).
 */
function arrayElementType(c: ColumnInfo): string | undefined {
  switch (c.family) {
    case 'integer':
      return ['smallint', 'integer', 'bigint'].includes(c.nativeType) ? c.nativeType : undefined;
    case 'decimal':
      return 'numeric';
    case 'float':
      return ['real', 'double precision'].includes(c.nativeType) ? c.nativeType : undefined;
    case 'string':
      return 'text';
    case 'datetime':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    case 'date':
    case 'boolean':
    case 'uuid':
      return c.family;
    case 'json':
      return c.nativeType === 'json' || c.nativeType === 'jsonb' ? c.nativeType : undefined;
    case 'binary':
      return 'bytea';
    default:
      return undefined;
  }
}

/** Write SQL for PostgreSQL. */
export const postgresWrites: DialectWrites = {
  maxBindings: 60_000,
  multiStatement: false,
  upsertSql(spec, rowCount) {
    return upsertFrom(spec, `VALUES ${valuesPlaceholders(spec.columns.length, rowCount)}`);
  },
  columnarUpsertSql(spec, columns) {
    const types = columns.map(arrayElementType);
    if (types.some((t) => t === undefined)) return undefined;
    return upsertFrom(spec, `SELECT * FROM unnest(${types.map((t) => `?::${t}[]`).join(', ')})`);
  },
  async lockKeys(trx, names) {
    // Deletes of absent rows take no row lock in PostgreSQL; this serialises every write to a key.
    if (names.length === 0) return;
    await trx.raw('select pg_advisory_xact_lock(h) from (select distinct hashtext(n) as h from unnest(?::text[]) as n) s order by h', [names as string[]]);
  },
};
