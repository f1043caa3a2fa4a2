/** SQLite bulk load: multi-row guarded upserts in one transaction. */
import { upsertRows } from '../../bulk-upsert.js';
import type { BulkLoad } from '../../write-dialect.js';
import { sqliteWrites } from './upsert.js';

/** Loads a chunk with multi-row `INSERT ... ON CONFLICT`. */
export const sqliteBulkLoad: BulkLoad = async (knex, spec, _columns, rows) => {
  await knex.transaction((trx) => upsertRows(trx, sqliteWrites, spec, rows));
  return { method: 'insert' };
};
