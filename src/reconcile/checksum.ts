/**
 * Checksums of a key range on both sides at once: the in-database part (count and hash sum
 * of every row's canonical text) plus, for JSON columns that no engine pair can canonicalise
 * in SQL, a hash sum computed in Node from the JSON text, page by page (bounded memory).
 */
import type { KeyTuple } from '../store/canonical.js';
import { canonicalJsonOrRaw } from '../store/canonical-json.js';
import { hashHead64 } from '../store/canonical-values.js';
import { checkAborted, type TableContext } from './context.js';
import { addSum, jsonPage, sumBuckets, sumRange, type Sum } from './side.js';
import type { KeyRange, SideName, SideSql } from './side-sql.js';

const JSON_PAGE_ROWS = 5_000;

/** The in-Node hash input of a row's JSON columns (key included, so moved values differ). */
export function jsonRowText(key: KeyTuple, json: ReadonlyArray<string | null>): string {
  const parts = json.map((j) => {
    if (j === null) return 'N';
    const c = canonicalJsonOrRaw(j);
    return `${c.length}:${c}`;
  });
  return `${key.join('|')}|${parts.join('|')}`;
}

/** Hash sums (count 0) of the JSON columns of a range, per bucket (`bucketOf`) or as bucket 0. */
async function nodeJsonSums(ctx: TableContext, s: SideSql, r: KeyRange, bucketOf?: (key: KeyTuple) => bigint): Promise<Map<bigint, Sum>> {
  const out = new Map<bigint, Sum>();
  let after: KeyTuple | undefined;
  for (;;) {
    checkAborted(ctx);
    const page = await ctx.limit[s.name].run(() => jsonPage(s, r, after, JSON_PAGE_ROWS));
    for (const row of page) {
      const b = bucketOf ? bucketOf(row.key) : 0n;
      out.set(b, addSum(out.get(b) ?? { count: 0n, hash: 0n }, { count: 0n, hash: hashHead64(jsonRowText(row.key, row.json)) }));
    }
    if (page.length < JSON_PAGE_ROWS) return out;
    after = page[page.length - 1]!.key;
  }
}

async function timed<T>(ctx: TableContext, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    ctx.stats.checksumMs += performance.now() - t0;
  }
}

/** Checksums of a range on both sides, concurrently. */
export async function sumBoth(ctx: TableContext, r: KeyRange): Promise<Record<SideName, Sum>> {
  checkAborted(ctx);
  const one = async (name: SideName): Promise<Sum> => {
    const s = ctx.plan[name];
    ctx.stats.checksumQueries++;
    let sum = await ctx.limit[name].run(() => sumRange(s, r));
    if (ctx.plan.nodeJson.length) for (const part of (await nodeJsonSums(ctx, s, r)).values()) sum = addSum(sum, part);
    return sum;
  };
  const [legacy, next] = await timed(ctx, () => Promise.all([one('legacy'), one('next')]));
  return { legacy, next };
}

/** Checksums of integer buckets `(key - base) / width` of a range on both sides, concurrently. */
export async function bucketsBoth(ctx: TableContext, r: KeyRange, base: bigint, width: bigint): Promise<Record<SideName, Map<bigint, Sum>>> {
  checkAborted(ctx);
  const bucketOf = (key: KeyTuple): bigint => (BigInt(key[0]!) - base) / width;
  const one = async (name: SideName): Promise<Map<bigint, Sum>> => {
    const s = ctx.plan[name];
    ctx.stats.checksumQueries++;
    const sums = await ctx.limit[name].run(() => sumBuckets(s, r, base, width));
    if (ctx.plan.nodeJson.length) {
      for (const [b, part] of await nodeJsonSums(ctx, s, r, bucketOf)) sums.set(b, addSum(sums.get(b) ?? { count: 0n, hash: 0n }, part));
    }
    return sums;
  };
  const [legacy, next] = await timed(ctx, () => Promise.all([one('legacy'), one('next')]));
  return { legacy, next };
}
