/**
 * Repair: copies the source of truth onto the other side for the mismatched keys, in
 * batches — upserts (the store layer's guarded multi-row upsert) for rows the truth has,
 * deletes for rows it does not — then the caller re-verifies exactly those keys. With an
 * updated-at column the upsert never overwrites a row the target changed more recently.
 */
import { fail } from '../errors.js';
import type { KeyTuple, SqlFragment } from '../store/canonical.js';
import { compileConverter } from '../store/convert.js';
import { NotRepresentable } from '../store/neutral.js';
import type { UpsertSpec } from '../store/write-dialect.js';
import { checkAborted, type TableContext } from './context.js';
import type { Mismatch } from './report/types.js';
import { select } from './side.js';
import { or, type SideName } from './side-sql.js';

/** Work done by one repair call. */
export interface RepairCounts {
  upserted: number;
  deleted: number;
  statements: number;
}

function keyTuple(ctx: TableContext, m: Mismatch): KeyTuple {
  return ctx.plan.key.map((k) => m.key[k.name]!);
}

/** Whether the truth side holds the row of this mismatch. */
function truthHasRow(m: Mismatch, truth: SideName): boolean {
  if (m.kind === 'changed') return true;
  return (m.kind === 'missing-in-next') === (truth === 'legacy');
}

async function runOrPrint(ctx: TableContext, side: SideName, f: SqlFragment): Promise<void> {
  const knex = ctx.plan[side].store.knex;
  if (ctx.opts.dryRun) {
    const printable = f.bindings.map((b) => (typeof b === 'bigint' ? (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString()) : b));
    ctx.opts.onRepairSql?.(`-- ${side}\n${knex.raw(f.sql, printable as never[]).toString()};`);
    return;
  }
  await knex.raw(f.sql, f.bindings as never[]);
}

/** Reads the truth rows of `keys` and converts them into bind values for the target. */
async function truthRows(ctx: TableContext, truth: SideName, target: SideName, keys: readonly KeyTuple[]): Promise<{ columns: string[]; rows: unknown[][] }> {
  const src = ctx.plan[truth];
  const dst = ctx.plan[target];
  const cols = [...ctx.plan.key, ...ctx.plan.columns];
  const select_ = cols.map((c, i) => `${src.store.dialect.values.selectExpr(c[truth], src.store.dialect.quoteIdent(c[truth].name))} AS r${i}`).join(', ');
  const match = or(keys.map((k) => src.sql.keyEquals(src.keyCols, k)));
  const raw = await select(src, { sql: `SELECT ${select_} FROM ${src.table} WHERE ${match.sql}`, bindings: match.bindings });
  const convert = cols.map((c) => compileConverter(c[truth], c[target]));
  const rows = raw.map((row) =>
    cols.map((c, i) => {
      try {
        const neutral = src.store.dialect.values.decode(c[truth], row[i]);
        return dst.store.dialect.values.encode(c[target], convert[i]!(neutral));
      } catch (err) {
        if (!(err instanceof NotRepresentable)) throw err;
        const key = ctx.plan.key.map((k, j) => `${k.name}=${String(row[j])}`).join(', ');
        throw fail('STORE_VALUE_NOT_REPRESENTABLE', `repair of table "${ctx.plan.table}" (${key}): ${err.message}`, { details: { table: ctx.plan.table, column: err.column } });
      }
    }),
  );
  return { columns: cols.map((c) => c[target].name), rows };
}

/** Repairs the given mismatches; returns what it did. */
export async function repairMismatches(ctx: TableContext, mismatches: readonly Mismatch[]): Promise<RepairCounts> {
  const truth: SideName = ctx.opts.truth;
  const target: SideName = truth === 'legacy' ? 'next' : 'legacy';
  const dst = ctx.plan[target];
  const counts: RepairCounts = { upserted: 0, deleted: 0, statements: 0 };
  const batch = ctx.opts.repairBatchRows;
  const toWrite = mismatches.filter((m) => truthHasRow(m, truth)).map((m) => keyTuple(ctx, m));
  const toDelete = mismatches.filter((m) => !truthHasRow(m, truth)).map((m) => keyTuple(ctx, m));
  const updatedAt = ctx.opts.updatedAtColumn;
  for (let i = 0; i < toWrite.length; i += batch) {
    checkAborted(ctx);
    const { columns, rows } = await truthRows(ctx, truth, target, toWrite.slice(i, i + batch));
    if (!rows.length) continue;
    const spec: UpsertSpec = {
      table: target === 'next' ? ctx.plan.nextTable : ctx.plan.table,
      columns,
      key: ctx.plan.key.map((k) => k[target].name),
      guard: updatedAt && columns.includes(updatedAt) ? { t: 'version', column: updatedAt, allowEqual: true } : { t: 'overwrite' },
    };
    await runOrPrint(ctx, target, { sql: dst.store.dialect.writes.upsertSql(spec, rows.length), bindings: rows.flat() });
    counts.upserted += rows.length;
    counts.statements++;
  }
  for (let i = 0; i < toDelete.length; i += batch) {
    checkAborted(ctx);
    const keys = toDelete.slice(i, i + batch);
    const match = or(keys.map((k) => dst.sql.keyEquals(dst.keyCols, k)));
    await runOrPrint(ctx, target, { sql: `DELETE FROM ${dst.table} WHERE ${match.sql}`, bindings: match.bindings });
    counts.deleted += keys.length;
    counts.statements++;
  }
  return counts;
}
