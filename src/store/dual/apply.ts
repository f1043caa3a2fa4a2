/**
 * Applies a batch of outbox entries to the other store in one transaction. Entries are in id
 * order; the batch is cut into segments in which no key repeats, and segments run in order, so
 * a key's writes land in the order they committed. Upserts carry the version guard when the
 * mapping has a version column (a replay never replaces a newer row).
 */
import type { Knex } from 'knex';
import type { Store } from '../connect.js';
import { transactionWithDeadline } from '../transaction-deadline.js';
import { upsertRows } from '../bulk-upsert.js';
import { NotRepresentable, type Neutral } from '../neutral.js';
import type { ColumnInfo } from '../introspect.js';
import type { UpsertSpec } from '../write-dialect.js';
import type { ResolvedSide } from './mapping.js';
import type { Side } from './modes.js';
import type { OutboxEntry } from './outbox.js';
import type { TableContext } from './table-context.js';
import { clearTombstones, recordTombstones, tombstoneFirst } from './tombstones.js';

/** An entry ready to apply: the target table and its bind values. */
interface Prepared {
  entry: OutboxEntry;
  table: string;
  op: 'upsert' | 'delete';
  columns: string[];
  /** The target's column descriptions, in `columns` order. */
  columnInfos: ColumnInfo[];
  key: string[];
  values: unknown[];
  keyValues: unknown[];
  versionColumn: string | undefined;
}

/** An entry that can never apply (bad value, unknown table): parked with its error. */
export interface Rejected {
  entry: OutboxEntry;
  error: string;
}

/** How the entries of one table with one column list become target rows (compiled once per batch). */
interface RowPlan {
  table: string;
  logical: string[];
  columns: string[];
  columnInfos: ColumnInfo[];
  key: string[];
  keyAt: number[];
  encode: Array<(v: Neutral) => unknown>;
  versionColumn: string | undefined;
}

/** Converts entries for the target store; those that can never apply are rejected. */
export async function prepareFor(target: Store, entries: readonly OutboxEntry[], tables: (name: string) => TableContext | undefined, from: Side, to: Side): Promise<{ ready: Prepared[]; rejected: Rejected[] }> {
  const ready: Prepared[] = [];
  const rejected: Rejected[] = [];
  const sides = new Map<string, Promise<[ResolvedSide, ResolvedSide]>>();
  const plans = new Map<string, RowPlan>();
  for (const entry of entries) {
    const t = tables(entry.table);
    if (!t) {
      rejected.push({ entry, error: `no table mapping named ${entry.table}` });
      continue;
    }
    try {
      let pair = sides.get(entry.table);
      if (!pair) sides.set(entry.table, (pair = Promise.all([t.side(from), t.side(to)])));
      const [src, dst] = await pair;
      const logical = entry.op === 'delete' ? t.key : Object.keys(entry.row);
      const sig = `${entry.table}\u0000${entry.op}\u0000${logical.join('\u0001')}`;
      let plan = plans.get(sig);
      if (!plan) plans.set(sig, (plan = rowPlan(target, t, src, dst, logical)));
      ready.push(prepareOne(entry, plan));
    } catch (err) {
      const e = err as Error;
      if (!(err instanceof NotRepresentable) && !/STORE_UNKNOWN/.test(e.message)) throw err;
      rejected.push({ entry, error: `table ${entry.table}, key ${entry.keyJson}: ${e.message}` });
    }
  }
  return { ready, rejected };
}

function rowPlan(target: Store, t: TableContext, src: ResolvedSide, dst: ResolvedSide, logical: readonly string[]): RowPlan {
  const version = t.mapping.versionColumn;
  return {
    table: dst.table,
    logical: [...logical],
    columns: logical.map((c) => dst.column(c).name),
    columnInfos: logical.map((c) => dst.column(c)),
    key: t.key.map((k) => dst.column(k).name),
    keyAt: t.key.map((k) => logical.indexOf(k)),
    encode: logical.map((c) => {
      const col = dst.column(c);
      const convert = t.converter(src, dst, c);
      return (v: Neutral) => target.dialect.values.encode(col, convert(v));
    }),
    versionColumn: version ? dst.column(version).name : undefined,
  };
}

function prepareOne(entry: OutboxEntry, plan: RowPlan): Prepared {
  const row = entry.row;
  const values = plan.logical.map((c, i) => plan.encode[i]!(row[c] ?? null));
  return { entry, table: plan.table, op: entry.op, columns: plan.columns, columnInfos: plan.columnInfos, key: plan.key, values, keyValues: plan.keyAt.map((i) => values[i]), versionColumn: plan.versionColumn };
}

/** Cuts prepared entries into segments in which no (table, key) repeats. */
export function segments<T extends { table: string; entry: { keyJson: string } }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let seen = new Set<string>();
  for (const p of items) {
    const id = `${p.table}\u0000${p.entry.keyJson}`;
    if (seen.has(id)) {
      out.push(current);
      current = [];
      seen = new Set();
    }
    seen.add(id);
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

async function applySegment(trx: Knex.Transaction, target: Store, seg: readonly Prepared[]): Promise<void> {
  const groups = new Map<string, Prepared[]>();
  for (const p of seg) {
    const sig = `${p.op}\u0000${p.table}\u0000${p.columns.join('\u0001')}`;
    const g = groups.get(sig);
    if (g) g.push(p);
    else groups.set(sig, [p]);
  }
  for (const g of groups.values()) {
    const first = g[0]!;
    if (first.op === 'delete') {
      const deleted = g.map((p) => p.entry.keyJson);
      if (tombstoneFirst(target)) await recordTombstones(trx, target, first.table, first.key, deleted);
      for (let i = 0; i < g.length; i += 500) {
        const part = g.slice(i, i + 500);
        const q = trx(first.table);
        if (first.key.length === 1) await q.whereIn(first.key[0]!, part.map((p) => p.keyValues[0]) as Knex.Value[]).del();
        else await q.whereIn(first.key, part.map((p) => p.keyValues) as Knex.Value[][]).del();
      }
      if (!tombstoneFirst(target)) await recordTombstones(trx, target, first.table, first.key, deleted);
      continue;
    }
    const spec: UpsertSpec = {
      table: first.table,
      columns: first.columns,
      key: first.key,
      guard: first.versionColumn && first.columns.includes(first.versionColumn) ? { t: 'version', column: first.versionColumn, allowEqual: true } : { t: 'overwrite' },
    };
    await upsertRows(trx, target.dialect.writes, spec, g.map((p) => p.values), first.columnInfos);
    await clearTombstones(trx, target, first.table, first.key, g.map((p) => p.entry.keyJson));
  }
}

/** Applies prepared entries to the target in one transaction torn down after `timeoutMs`. */
export async function applyPrepared(target: Store, ready: readonly Prepared[], timeoutMs: number): Promise<void> {
  if (ready.length === 0) return;
  await transactionWithDeadline(target.knex, timeoutMs, async (trx) => {
    for (const seg of segments(ready)) await applySegment(trx, target, seg);
  });
}
