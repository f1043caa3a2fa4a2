/**
 * Row diffs: fetch the rows of small differing ranges from both sides, match them by
 * canonical key, look up rows that are not where the other side keeps them (collation order,
 * `where`, updated-at), and compare column by column.
 */
import type { KeyTuple } from '../store/canonical.js';
import { canonicalJsonOrRaw } from '../store/canonical-json.js';
import { checkAborted, type TableContext } from './context.js';
import type { ColumnDiff, MismatchKind } from './report/types.js';
import { fetchRanges, lookupKeys, type FetchedRow } from './side.js';
import type { KeyRange, SideName } from './side-sql.js';

/** Keys per lookup statement. */
export const LOOKUP_BATCH = 500;

/** The outcome of comparing one key. */
export type Verdict = { t: 'equal' } | { t: 'recent' } | { t: 'mismatch'; kind: MismatchKind; columns: ColumnDiff[] };

function floatsClose(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));
}

/** The differing columns of two versions of a row. */
export function compareRows(ctx: TableContext, l: FetchedRow, n: FetchedRow): ColumnDiff[] {
  const diffs: ColumnDiff[] = [];
  ctx.plan.columns.forEach((c, i) => {
    const lv = l.values[i] ?? null;
    const nv = n.values[i] ?? null;
    if (lv === nv) return;
    if (lv !== null && nv !== null) {
      if (c.spec.t === 'json' && canonicalJsonOrRaw(lv) === canonicalJsonOrRaw(nv)) return;
      const lf = l.floats[i];
      const nf = n.floats[i];
      if (c.spec.t === 'float' && typeof lf === 'number' && typeof nf === 'number' && floatsClose(lf, nf, c.floatTolerance ?? 0)) return;
    }
    diffs.push({ column: c.name, legacy: lv, next: nv });
  });
  return diffs;
}

/** Classifies one key from its two versions (undefined: absent on that side). */
export function classify(ctx: TableContext, l: FetchedRow | undefined, n: FetchedRow | undefined): Verdict {
  if (l?.recent || n?.recent) return { t: 'recent' };
  if (!l && !n) return { t: 'equal' };
  if (l && !n) return l.inScope ? { t: 'mismatch', kind: 'missing-in-next', columns: [] } : { t: 'equal' };
  if (!l && n) return n.inScope ? { t: 'mismatch', kind: 'extra-in-next', columns: [] } : { t: 'equal' };
  if (!l!.inScope && !n!.inScope) return { t: 'equal' };
  const columns = compareRows(ctx, l!, n!);
  return columns.length ? { t: 'mismatch', kind: 'changed', columns } : { t: 'equal' };
}

/** Looks keys up on one side in batches. */
export async function lookupAll(ctx: TableContext, side: SideName, keys: readonly KeyTuple[]): Promise<Map<string, FetchedRow>> {
  const out = new Map<string, FetchedRow>();
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    checkAborted(ctx);
    const batch = keys.slice(i, i + LOOKUP_BATCH);
    const rows = await ctx.limit[side].run(() => lookupKeys(ctx.plan[side], ctx.shape, batch));
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/**
 * Compares the rows of `ranges` and returns the keys that differ (to be re-checked).
 * A next-only row whose legacy version is in scope elsewhere is left to the legacy range
 * that holds it, so no key is reported twice.
 */
export async function diffRanges(ctx: TableContext, ranges: readonly KeyRange[]): Promise<KeyTuple[]> {
  checkAborted(ctx);
  const t0 = performance.now();
  const [lRows, nRows] = await Promise.all([
    ctx.limit.legacy.run(() => fetchRanges(ctx.plan.legacy, ctx.shape, ranges)),
    ctx.limit.next.run(() => fetchRanges(ctx.plan.next, ctx.shape, ranges)),
  ]);
  ctx.stats.rowsFetched += lRows.length + nRows.length;
  const lMap = new Map(lRows.map((r) => [r.id, r]));
  const nMap = new Map(nRows.map((r) => [r.id, r]));
  const [nFound, lFound] = await Promise.all([
    lookupAll(ctx, 'next', lRows.filter((r) => !nMap.has(r.id)).map((r) => r.key)),
    lookupAll(ctx, 'legacy', nRows.filter((r) => !lMap.has(r.id)).map((r) => r.key)),
  ]);
  const suspects: KeyTuple[] = [];
  for (const l of lRows) {
    const v = classify(ctx, l, nMap.get(l.id) ?? nFound.get(l.id));
    if (v.t !== 'equal') suspects.push(l.key);
  }
  for (const n of nRows) {
    if (lMap.has(n.id)) continue;
    const l = lFound.get(n.id);
    if (l && l.inScope && !l.recent) continue;
    const v = classify(ctx, l, n);
    if (v.t !== 'equal') suspects.push(n.key);
  }
  ctx.stats.diffMs += performance.now() - t0;
  return suspects;
}
