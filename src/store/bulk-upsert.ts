/** Multi-row guarded upserts in batches: the portable bulk path every engine has. */
import type { Knex } from 'knex';
import type { ColumnInfo } from './introspect.js';
import type { DialectWrites, UpsertSpec } from './write-dialect.js';

/** Rows per statement at most (also bounded by the engine's bind-parameter limit). */
export const MAX_ROWS_PER_STATEMENT = 2000;

/** From this many rows on, an engine with a columnar upsert gets one array per column instead of one parameter per value. */
export const COLUMNAR_MIN_ROWS = 16;

/**
 * The statements (not yet started) that run `spec` over `rows`, in as few statements as the
 * limits allow. With `columns` (the target's, in `spec.columns` order) and at least
 * {@link COLUMNAR_MIN_ROWS} rows, the engine's columnar form is used where it has one.
 */
export function upsertStatements(db: Knex | Knex.Transaction, writes: DialectWrites, spec: UpsertSpec, rows: readonly unknown[][], columns?: readonly ColumnInfo[]): Knex.Raw[] {
  const columnar = columns && rows.length >= COLUMNAR_MIN_ROWS ? writes.columnarUpsertSql?.(spec, columns) : undefined;
  if (columnar) {
    const out: Knex.Raw[] = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
      const part = rows.slice(i, i + MAX_ROWS_PER_STATEMENT);
      out.push(db.raw(columnar, spec.columns.map((_, c) => part.map((r) => r[c])) as Knex.RawBinding[]));
    }
    return out;
  }
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

/** Runs `spec` over `rows` (bind values in column order), one statement after another; `columns` as for {@link upsertStatements}. */
export async function upsertRows(db: Knex | Knex.Transaction, writes: DialectWrites, spec: UpsertSpec, rows: readonly unknown[][], columns?: readonly ColumnInfo[]): Promise<void> {
  for (const statement of upsertStatements(db, writes, spec, rows, columns)) await statement;
}
