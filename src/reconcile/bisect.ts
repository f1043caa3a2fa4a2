/**
 * Narrows a differing key range down to small ranges whose rows are then diffed.
 * Integer keys: one grouped query per side splits a range into buckets of about
 * `bucketRows` rows by key arithmetic. Other keys: cut points every `count / fanout` rows
 * (one window query on the fuller side), then a checksum per sub-range.
 */
import type { KeyTuple } from '../store/canonical.js';
import { bucketsBoth, sumBoth } from './checksum.js';
import { checkAborted, type TableContext } from './context.js';
import { diffRanges } from './diff.js';
import { cutPoints, sameSum, type Sum } from './side.js';
import type { KeyRange, SideName } from './side-sql.js';

/** Largest key span checked in integer buckets (beyond it `key - base` could overflow). */
const MAX_BUCKET_SPAN = 1n << 62n;
/** Ranges per row-fetch statement. */
const RANGES_PER_FETCH = 64;

/** A small differing range, ready to diff. */
interface Leaf {
  range: KeyRange;
  rows: number;
}

/** Results of checking one range: keys that differ, and whether anything differed. */
export interface RangeOutcome {
  suspects: KeyTuple[];
  differing: boolean;
}

const maxCount = (s: Record<SideName, Sum>): number => Number(s.legacy.count > s.next.count ? s.legacy.count : s.next.count);

/**
 * Checks a top-level segment. Identical data costs one plain checksum per side. Integer keys:
 * a differing segment is re-read in buckets; the first segments, and those after one that
 * differed, are read in buckets straight away (differences tend to be spread out), until two
 * in a row are clean.
 */
export async function checkSegment(ctx: TableContext, range: KeyRange, expectedRows: number): Promise<RangeOutcome & { rows: Record<SideName, number> }> {
  const leaves: Leaf[] = [];
  const rows = { legacy: 0, next: 0 };
  const count = (s: Record<SideName, Sum>): void => {
    rows.legacy += Number(s.legacy.count);
    rows.next += Number(s.next.count);
  };
  const bucketed = bucketPlan(ctx, range, expectedRows);
  const below = async (counted: boolean): Promise<void> => {
    if (!bucketed?.below) return;
    const s = await sumBoth(ctx, bucketed.below);
    if (counted) count(s);
    if (!sameSum(s.legacy, s.next)) await narrow(ctx, bucketed.below, s, leaves);
  };
  if (bucketed && ctx.buckets.on) {
    await below(true);
    await narrowBuckets(ctx, bucketed.range, bucketed.base, bucketed.width, leaves, count);
  } else {
    const s = await sumBoth(ctx, range);
    count(s);
    if (!sameSum(s.legacy, s.next)) {
      if (bucketed) {
        await below(false);
        await narrowBuckets(ctx, bucketed.range, bucketed.base, bucketed.width, leaves);
      } else await narrow(ctx, range, s, leaves);
    }
  }
  if (leaves.length) ctx.buckets = { on: true, cleanStreak: 0 };
  else if (ctx.buckets.on && ++ctx.buckets.cleanStreak >= 2) ctx.buckets = { on: false, cleanStreak: 0 };
  const suspects = await diffLeaves(ctx, leaves);
  return { suspects, differing: leaves.length > 0, rows };
}

/** Bucket layout for an integer-key range: base (first key of bucket 0), width, and the part below base. */
function bucketPlan(ctx: TableContext, range: KeyRange, expectedRows: number): { base: bigint; width: bigint; range: KeyRange; below?: KeyRange } | undefined {
  if (!ctx.plan.intKey || !ctx.extent) return undefined;
  const lo = range.after ? BigInt(range.after[0]!) + 1n : ctx.extent.min;
  const hi = range.through ? BigInt(range.through[0]!) : ctx.extent.max;
  const span = hi - lo + 1n;
  if (span <= 0n || span > MAX_BUCKET_SPAN) return undefined;
  const rows = BigInt(Math.max(1, expectedRows));
  const per = BigInt(ctx.opts.bucketRows);
  let width = (span * per + rows - 1n) / rows;
  if (width < 1n) width = 1n;
  const below = range.after ? undefined : { through: [String(lo - 1n)] };
  return { base: lo, width, range: { after: [String(lo - 1n)], through: range.through }, below };
}

function bucketRange(base: bigint, width: bigint, b: bigint, outer: KeyRange): KeyRange {
  const after = base + b * width - 1n;
  const through = after + width;
  const limit = outer.through ? BigInt(outer.through[0]!) : undefined;
  return { after: [String(after)], through: [String(limit !== undefined && limit < through ? limit : through)] };
}

async function narrowBuckets(ctx: TableContext, range: KeyRange, base: bigint, width: bigint, leaves: Leaf[], count?: (s: Record<SideName, Sum>) => void, depth = 0): Promise<void> {
  const sums = await bucketsBoth(ctx, range, base, width);
  const ids = new Set([...sums.legacy.keys(), ...sums.next.keys()]);
  const deeper: Array<Promise<void>> = [];
  for (const b of [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    const s = { legacy: sums.legacy.get(b) ?? { count: 0n, hash: 0n }, next: sums.next.get(b) ?? { count: 0n, hash: 0n } };
    count?.(s);
    if (sameSum(s.legacy, s.next)) continue;
    const r = bucketRange(base, width, b, range);
    if (maxCount(s) <= ctx.opts.fetchRows || width === 1n) leaves.push({ range: r, rows: maxCount(s) });
    else deeper.push(narrow(ctx, r, s, leaves, depth + 1));
  }
  await Promise.all(deeper);
}

/** Bisection depth after which a range is diffed whatever its size (a safety net; never reached in practice). */
const MAX_DEPTH = 48;

/** Narrows a differing range (known sums) into leaves. */
async function narrow(ctx: TableContext, range: KeyRange, sums: Record<SideName, Sum>, leaves: Leaf[], depth = 0): Promise<void> {
  checkAborted(ctx);
  const rows = maxCount(sums);
  if (rows <= ctx.opts.fetchRows || depth >= MAX_DEPTH) {
    leaves.push({ range, rows });
    return;
  }
  const plan = bucketPlan(ctx, range, rows);
  if (plan && !plan.below) {
    await narrowBuckets(ctx, plan.range, plan.base, plan.width, leaves, undefined, depth + 1);
    return;
  }
  const side: SideName = sums.legacy.count >= sums.next.count ? 'legacy' : 'next';
  const step = Math.ceil(rows / ctx.opts.fanout);
  const cuts = await ctx.limit[side].run(() => cutPoints(ctx.plan[side], range, step));
  const bounds: Array<KeyTuple | undefined> = [undefined, ...cuts, undefined];
  const subs: KeyRange[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) subs.push(subRange(range, bounds[i], bounds[i + 1]));
  await Promise.all(
    subs.map(async (sub) => {
      const s = await sumBoth(ctx, sub);
      if (!sameSum(s.legacy, s.next)) await narrow(ctx, sub, s, leaves, depth + 1);
    }),
  );
}

function subRange(parent: KeyRange, after: KeyTuple | undefined, through: KeyTuple | undefined): KeyRange {
  const out: KeyRange = { within: parent };
  if (after) out.after = after;
  if (through) out.through = through;
  return out;
}

/** Diffs leaves in batches of up to `fetchRows` rows and {@link RANGES_PER_FETCH} ranges. */
async function diffLeaves(ctx: TableContext, leaves: readonly Leaf[]): Promise<KeyTuple[]> {
  const suspects: KeyTuple[] = [];
  let batch: KeyRange[] = [];
  let rows = 0;
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    suspects.push(...(await diffRanges(ctx, batch)));
    batch = [];
    rows = 0;
  };
  for (const leaf of leaves) {
    if (batch.length && (rows + leaf.rows > ctx.opts.fetchRows * 2 || batch.length >= RANGES_PER_FETCH)) await flush();
    batch.push(leaf.range);
    rows += leaf.rows;
  }
  await flush();
  return suspects;
}
