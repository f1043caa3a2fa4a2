/** SQLite keyset reads: rows as arrays, and an exact count (cheap enough on one file). */
import type { Knex } from 'knex';
import type { DialectKeyset } from '../../write-dialect.js';

/** Keyset reads for SQLite. */
export const sqliteKeyset: DialectKeyset = {
  async selectArrays(knex, sql, bindings) {
    const rows = (await knex.raw(sql, bindings as Knex.RawBinding[])) as Record<string, unknown>[];
    return rows.map((r) => Object.values(r));
  },
  async estimateRows(knex, table) {
    const rows = (await knex.raw(`select count(*) as n from "${table.replace(/"/g, '""')}"`)) as { n: number }[];
    return Number(rows[0]?.n ?? 0);
  },
};
