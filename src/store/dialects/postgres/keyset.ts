/** PostgreSQL keyset reads: rows as arrays, and a row estimate from pg_class. */
import type { Knex } from 'knex';
import type { DialectKeyset } from '../../write-dialect.js';

/** Keyset reads for PostgreSQL. */
export const postgresKeyset: DialectKeyset = {
  async selectArrays(knex, sql, bindings) {
    const { rows } = (await knex.raw(sql, bindings as Knex.RawBinding[]).options({ rowMode: 'array' })) as { rows: unknown[][] };
    return rows;
  },
  async estimateRows(knex, table) {
    const { rows } = (await knex.raw('select greatest(reltuples, 0)::bigint as n from pg_class where oid = to_regclass(?)', [table])) as { rows: { n: string | null }[] };
    return Number(rows[0]?.n ?? 0);
  },
};
