/**
 * The planted-difference suite, run for several engine pairs: the reconciler reports exactly
 * the planted differences (no false positive, no false negative), with default segments and
 * with tiny segments that force bisection, and `repair` leaves every pair consistent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/connect.js';
import { runReconcile, type ReconcileReport } from '../../../src/reconcile/index.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';
import { dropTables, plantedNames } from './fixtures.js';
import { mismatchId, plantDifferences, type ExpectedSet } from './planted.js';

interface Pair {
  name: string;
  legacy: () => string;
  next: () => string;
  needs: string[];
}

const sqliteA = tempSqliteUrl('legacy');
const sqliteB = tempSqliteUrl('next');
const PAIRS: Pair[] = [
  { name: 'mysql → postgres', legacy: () => MYSQL_URL, next: () => POSTGRES_URL, needs: [MYSQL_URL, POSTGRES_URL] },
  { name: 'postgres → mysql', legacy: () => POSTGRES_URL, next: () => MYSQL_URL, needs: [MYSQL_URL, POSTGRES_URL] },
  { name: 'sqlite → sqlite', legacy: () => sqliteA, next: () => sqliteB, needs: [] },
  { name: 'sqlite → postgres', legacy: () => tempSqliteUrl('legacy2'), next: () => POSTGRES_URL, needs: [POSTGRES_URL] },
];

function found(report: ReconcileReport): Set<string> {
  const out = new Set<string>();
  for (const t of report.tables) for (const m of t.samples) out.add(mismatchId(t.table, m.kind, m.key, m.columns.map((c) => c.column)));
  return out;
}

function plantedSuite(pair: Pair): void {
  describe(`planted differences: ${pair.name}`, () => {
    let legacy: Store;
    let next: Store;
    let ok = true;
    const tables = plantedNames();
    let expected: ExpectedSet;
    const control = tempSqliteUrl('control');
    const run = (extra: Partial<Parameters<typeof runReconcile>[0]> = {}): Promise<ReconcileReport> =>
      runReconcile({ legacy, next, tables: Object.values(tables), control, recheckDelayMs: 0, sampleLimit: 1000, ...extra });

    beforeAll(async () => {
      for (const u of pair.needs) ok &&= await requireDatabase(u);
      if (!ok) return;
      legacy = await openStore(pair.legacy(), { label: 'legacy' });
      next = await openStore(pair.next(), { label: 'next' });
      expected = await plantDifferences(legacy, next, tables);
    });
    afterAll(async () => {
      if (!ok) return;
      await dropTables(legacy, Object.values(tables));
      await dropTables(next, Object.values(tables));
      await legacy.close();
      await next.close();
    });

    it('finds exactly the planted differences', async () => {
      if (!ok) return;
      const r = await run();
      expect(r.status).toBe('inconsistent');
      expect([...found(r)].sort()).toEqual([...expected].sort());
      const types = r.tables.find((t) => t.table === tables.types)!;
      expect(types.rowsLegacy).toBe(120);
      expect(types.rowsNext).toBe(120);
      expect(types.missingInNext).toBe(2);
      expect(types.extraInNext).toBe(2);
      expect(types.changed).toBe(8);
      expect(types.columnsChanged).toEqual({ s: 1, ts6: 1, d: 1, j: 1, b: 1, f: 1, t: 1, bin: 1 });
    });

    it('finds the same with tiny segments that force bisection and out-of-order keys', async () => {
      if (!ok) return;
      const r = await run({ segmentRows: 16, bucketRows: 4, fetchRows: 3, fanout: 4, concurrency: 3 });
      expect([...found(r)].sort()).toEqual([...expected].sort());
      expect(r.tables.every((t) => t.segments.total > 1)).toBe(true);
    });

    it('repair leaves the pair consistent, verified again', async () => {
      if (!ok) return;
      const r = await run({ repair: true });
      expect(r.consistent).toBe(true);
      expect(r.totals.remaining).toBe(0);
      expect(r.totals.missingInNext + r.totals.extraInNext + r.totals.changed).toBe(expected.size);
      for (const t of r.tables) expect(t.repair?.stillMismatched ?? 0).toBe(0);
      const again = await run();
      expect(again.consistent).toBe(true);
      expect(found(again).size).toBe(0);
      // Equal data hashes equal across the engines for every type: no range differs, nothing is fetched.
      for (const t of again.tables) expect({ table: t.table, differing: t.segments.differing, fetched: t.segments.rowsFetched }).toEqual({ table: t.table, differing: 0, fetched: 0 });
    });
  });
}

for (const pair of PAIRS) plantedSuite(pair);
