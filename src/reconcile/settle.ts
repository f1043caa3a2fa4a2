/**
 * Re-checks suspect keys after `recheckDelayMs` (rows being written during the run — a dual
 * write's second half, a relay catching up — settle in the meantime) and turns the ones that
 * still differ into reported mismatches.
 */
import type { KeyTuple } from '../store/canonical.js';
import { checkAborted, type TableContext } from './context.js';
import { classify, lookupAll } from './diff.js';
import { sleep } from './limiter.js';
import type { Mismatch } from './report/types.js';
import type { FetchedRow } from './side.js';

/** The outcome of re-checking a set of keys. */
export interface Settled {
  mismatches: Mismatch[];
  /** Keys that no longer differ. */
  settled: number;
  /** Keys skipped because a side changed after the updated-at bound. */
  recent: number;
}

function rowMap(ctx: TableContext, r: FetchedRow | undefined): Record<string, string | null> | null {
  if (!r) return null;
  const out: Record<string, string | null> = {};
  ctx.plan.key.forEach((k, i) => (out[k.name] = r.key[i] ?? null));
  ctx.plan.columns.forEach((c, i) => (out[c.name] = r.values[i] ?? null));
  return out;
}

/** Looks the keys up on both sides and classifies each (no delay). */
export async function verifyKeys(ctx: TableContext, keys: readonly KeyTuple[]): Promise<Settled> {
  const out: Settled = { mismatches: [], settled: 0, recent: 0 };
  if (!keys.length) return out;
  checkAborted(ctx);
  const [l, n] = await Promise.all([lookupAll(ctx, 'legacy', keys), lookupAll(ctx, 'next', keys)]);
  const seen = new Set<string>();
  for (const key of keys) {
    const id = JSON.stringify(key);
    if (seen.has(id)) continue;
    seen.add(id);
    const lv = l.get(id);
    const nv = n.get(id);
    const v = classify(ctx, lv, nv);
    if (v.t === 'equal') out.settled++;
    else if (v.t === 'recent') out.recent++;
    else {
      const keyMap: Record<string, string> = {};
      ctx.plan.key.forEach((k, i) => (keyMap[k.name] = key[i]!));
      out.mismatches.push({ kind: v.kind, key: keyMap, columns: v.columns, legacy: rowMap(ctx, lv), next: rowMap(ctx, nv) });
    }
  }
  return out;
}

/** Waits until `foundAtMs + recheckDelayMs`, then re-checks (immediately when the delay is 0). */
export async function settle(ctx: TableContext, keys: readonly KeyTuple[], foundAtMs: number): Promise<Settled> {
  if (!keys.length) return { mismatches: [], settled: 0, recent: 0 };
  const wait = foundAtMs + ctx.opts.recheckDelayMs - Date.now();
  if (wait > 0) await sleep(wait, ctx.opts.signal);
  return verifyKeys(ctx, keys);
}
