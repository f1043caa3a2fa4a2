/** PostgreSQL upserts: `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` with a version guard. */
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

/** Write SQL for PostgreSQL. */
export const postgresWrites: DialectWrites = {
  maxBindings: 60_000,
  multiStatement: false,
  upsertSql(spec, rowCount) {
    return upsertFrom(spec, `VALUES ${valuesPlaceholders(spec.columns.length, rowCount)}`);
  },
  async lockKeys(trx, names) {
    // Deletes of absent rows take no row lock in PostgreSQL; this serialises every write to a key.
    if (names.length === 0) return;
    await trx.raw('select pg_advisory_xact_lock(h) from (select distinct hashtext(n) as h from unnest(?::text[]) as n) s order by h', [names as string[]]);
  },
};
