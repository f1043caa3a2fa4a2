/**
 * The two baselines: (a) one in-database checksum of the whole table on each side, in
 * parallel, with the very row text and hash the reconciler uses; (b) every row fetched from
 * both sides into Node (keyset pages, both sides at once) and compared there.
 */
import { planTable } from '../../src/reconcile/plan.js';
import { sumRange } from '../../src/reconcile/side.js';
import type { Store } from '../../src/store/connect.js';

/** (a): wall time of the two full-table checksum queries run in parallel. */
export async function inDatabaseChecksum(legacy: Store, next: Store, table: string): Promise<{ ms: number; legacyMs: number; nextMs: number; equal: boolean }> {
  const plan = await planTable({ legacy, next }, { table });
  const t0 = performance.now();
  const timed = async (side: 'legacy' | 'next') => {
    const sum = await sumRange(plan[side], {});
    return { sum, ms: performance.now() - t0 };
  };
  const [l, n] = await Promise.all([timed('legacy'), timed('next')]);
  return { ms: performance.now() - t0, legacyMs: l.ms, nextMs: n.ms, equal: l.sum.count === n.sum.count && l.sum.hash === n.sum.hash };
}

type Row = [string, string, string | null, string, string];

/** `YYYY-MM-DD HH:MM:SS.fff` (PostgreSQL drops trailing zeros of the fraction). */
function ts(v: unknown): string {
  const t = String(v).replace('T', ' ');
  const dot = t.indexOf('.');
  const whole = dot < 0 ? t.slice(0, 19) : t.slice(0, dot);
  const frac = dot < 0 ? '' : t.slice(dot + 1).replace(/[^0-9].*$/, '');
  return `${whole}.${frac.padEnd(3, '0').slice(0, 3)}`;
}

async function window(s: Store, table: string, after: number, rows: number): Promise<Row[]> {
  const got = await s.dialect.keyset.selectArrays(s.knex, `SELECT id, name, body, created, amount FROM ${table} WHERE id > ? AND id <= ? ORDER BY id`, [after, after + rows]);
  return got.map((r) => [String(r[0]), String(r[1]), r[2] === null ? null : String(r[2]), ts(r[3]), String(r[4])]);
}

/** (b): wall time to fetch every row of both sides (id windows, both sides at once) and compare them in Node. */
export async function fetchAndCompare(legacy: Store, next: Store, table: string, maxId: number, windowRows = 20_000): Promise<{ ms: number; rows: number; differing: number }> {
  const t0 = performance.now();
  let rows = 0;
  let differing = 0;
  for (let after = 0; after < maxId; after += windowRows) {
    const [l, n] = await Promise.all([window(legacy, table, after, windowRows), window(next, table, after, windowRows)]);
    const byId = new Map(n.map((r) => [r[0], r]));
    for (const r of l) {
      const o = byId.get(r[0]);
      if (!o || o[1] !== r[1] || o[2] !== r[2] || o[3] !== r[3] || o[4] !== r[4]) differing++;
    }
    const legacyIds = new Set(l.map((r) => r[0]));
    for (const r of n) if (!legacyIds.has(r[0])) differing++;
    rows += l.length;
  }
  return { ms: performance.now() - t0, rows, differing };
}
