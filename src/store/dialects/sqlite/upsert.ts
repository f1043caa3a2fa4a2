/** SQLite upserts (3.24+): `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` with a version guard. */
import type { DialectWrites } from '../../write-dialect.js';
import { onConflictUpsert, valuesPlaceholders } from '../../upsert-sql.js';

const q = (name: string): string => '"' + name.replace(/"/g, '""') + '"';

/** Write SQL for SQLite. One writer at a time, so no per-key lock is needed. */
export const sqliteWrites: DialectWrites = {
  maxBindings: 32_000,
  multiStatement: false,
  upsertSql(spec, rowCount) {
    return onConflictUpsert(spec, q, `INSERT INTO ${q(spec.table)}`, q(spec.table), `VALUES ${valuesPlaceholders(spec.columns.length, rowCount)}`);
  },
  async lockKeys() {},
};
