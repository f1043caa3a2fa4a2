/** MySQL/MariaDB bulk load: multi-row guarded upserts in one transaction. */
import { upsertRows } from '../../bulk-upsert.js';
import type { BulkLoad } from '../../write-dialect.js';
import { mysqlWrites } from './upsert.js';

/** Loads a chunk with multi-row `INSERT ... ON DUPLICATE KEY UPDATE`. */
export const mysqlBulkLoad: BulkLoad = async (knex, spec, _columns, rows) => {
  await knex.transaction((trx) => upsertRows(trx, mysqlWrites, spec, rows));
  return { method: 'insert' };
};
