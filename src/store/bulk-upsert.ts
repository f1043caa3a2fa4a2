/** Multi-row guarded upserts in batches: the portable bulk path every engine has. */
import type { Knex } from 'knex';
import type { DialectWrites, UpsertSpec } from './write-dialect.js';

/** Rows per statement at most (also bounded by the engine's bind-parameter limit). */
export const MAX_ROWS_PER_STATEMENT = 2000;

/** The statements (not yet started) that run `spec` over `rows`, in as few statements as the limits allow. */
export function upsertStatements(db: Knex | Knex.Transaction, writes: DialectWrites, spec: UpsertSpec, rows: readonly unknown[][]): Knex.Raw[] {
  const per = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(writes.maxBindings / spec.columns.length)));
  const out: Knex.Raw[] = [];
  let cachedSql = '';
  let cachedCount = -1;
  for (let i = 0; i < rows.length; i += per) {
    const batch = rows.slice(i, i + per);
    if (batch.length !== cachedCount) {
      cachedSql = writes.upsertSql(spec, batch.length);
      cachedCount = batch.length;
    }
    out.push(db.raw(cachedSql, batch.flat() as Knex.RawBinding[]));
  }
  return out;
}

/** Runs `spec` over `rows` (bind values in column order), one statement after another. */
export async function upsertRows(db: Knex | Knex.Transaction, writes: DialectWrites, spec: UpsertSpec, rows: readonly unknown[][]): Promise<void> {
  for (const statement of upsertStatements(db, writes, spec, rows)) await statement;
}
