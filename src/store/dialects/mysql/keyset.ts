/** MySQL/MariaDB keyset reads: rows as arrays, and a row estimate from table statistics. */
import type { Knex } from 'knex';
import type { DialectKeyset } from '../../write-dialect.js';

/** Keyset reads for MySQL/MariaDB. */
export const mysqlKeyset: DialectKeyset = {
  async selectArrays(knex, sql, bindings) {
    const [rows] = (await knex.raw(sql, bindings as Knex.RawBinding[]).options({ rowsAsArray: true })) as [unknown[][]];
    return rows;
  },
  async estimateRows(knex, table) {
    const [rows] = (await knex.raw('select TABLE_ROWS as n from information_schema.TABLES where TABLE_SCHEMA = database() and TABLE_NAME = ?', [table])) as [{ n: number | string | null }[]];
    return Number(rows[0]?.n ?? 0);
  },
};
