/**
 * Edge cases on real SQLite files: rows beyond legacy's last key (segments keep their size),
 * an empty side, `where`, a table named differently on next, and repair from next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/connect.js';
import { runReconcile } from '../../../src/reconcile/index.js';
import { tempSqliteUrl } from '../../helpers/databases.js';

describe('reconcile edge cases (sqlite)', () => {
  let legacy: Store;
  let next: Store;
  const base = { control: false as const, recheckDelayMs: 0, sampleLimit: 1000 };

  beforeAll(async () => {
    legacy = await openStore(tempSqliteUrl('edge-legacy'));
    next = await openStore(tempSqliteUrl('edge-next'));
    for (const s of [legacy, next]) {
      await s.knex.raw('CREATE TABLE grow (id INTEGER PRIMARY KEY, v TEXT)');
      await s.knex.raw('CREATE TABLE empty_l (id INTEGER PRIMARY KEY, v TEXT)');
      await s.knex.raw('CREATE TABLE none_at_all (id INTEGER PRIMARY KEY, v TEXT)');
      await s.knex.raw('CREATE TABLE scoped (id INTEGER PRIMARY KEY, tenant INTEGER, v TEXT)');
    }
    await next.knex.raw('CREATE TABLE renamed (id INTEGER PRIMARY KEY, v TEXT)');
    await legacy.knex.raw('CREATE TABLE original (id INTEGER PRIMARY KEY, v TEXT)');
    await legacy.knex('grow').insert(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, v: 'x' })));
    await next.knex('grow').insert(Array.from({ length: 105 }, (_, i) => ({ id: i + 1, v: 'x' })));
    await next.knex('empty_l').insert(Array.from({ length: 7 }, (_, i) => ({ id: i * 1000, v: 'y' })));
    for (const s of [legacy, next]) await s.knex('scoped').insert(Array.from({ length: 20 }, (_, i) => ({ id: i + 1, tenant: i % 2, v: 'z' })));
    await next.knex('scoped').where({ id: 4 }).update({ v: 'tenant1-diff' });
    await next.knex('scoped').where({ id: 5 }).update({ v: 'tenant0-diff' });
    await legacy.knex('original').insert([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    await next.knex('renamed').insert([{ id: 1, v: 'a' }, { id: 3, v: 'c' }]);
  });
  afterAll(async () => {
    await legacy.close();
    await next.close();
  });

  it('keeps segments small past legacy\'s last key and counts every extra row', async () => {
    const r = await runReconcile({ ...base, legacy, next, tables: ['grow'], segmentRows: 10 });
    const t = r.tables[0]!;
    expect(t).toMatchObject({ rowsLegacy: 10, rowsNext: 105, extraInNext: 95, missingInNext: 0, changed: 0 });
    expect(t.segments.total).toBeGreaterThanOrEqual(10);
  });

  it('handles an empty side and two empty sides', async () => {
    const r = await runReconcile({ ...base, legacy, next, tables: ['empty_l', 'none_at_all'] });
    expect(r.tables[0]).toMatchObject({ rowsLegacy: 0, rowsNext: 7, extraInNext: 7 });
    expect(r.tables[1]).toMatchObject({ rowsLegacy: 0, rowsNext: 0, status: 'consistent' });
  });

  it('compares only the rows `where` selects', async () => {
    const r = await runReconcile({ ...base, legacy, next, tables: ['scoped'], where: 'tenant = 0' });
    expect(r.tables[0]).toMatchObject({ rowsLegacy: 10, rowsNext: 10, changed: 1 });
    expect(r.tables[0]!.samples[0]!.key).toEqual({ id: '5' }); // id 5 is tenant 0
  });

  it('compares a table named differently on next, and repairs from next', async () => {
    const found = await runReconcile({ ...base, legacy, next, tables: [{ table: 'original', nextTable: 'renamed' }] });
    expect(found.tables[0]).toMatchObject({ nextTable: 'renamed', missingInNext: 1, extraInNext: 1 });
    const repaired = await runReconcile({ ...base, legacy, next, tables: [{ table: 'original', nextTable: 'renamed' }], repair: true, truth: 'next' });
    expect(repaired.tables[0]!.repair).toMatchObject({ truth: 'next', upserted: 1, deleted: 1, stillMismatched: 0 });
    expect(repaired.consistent).toBe(true);
    expect(await legacy.knex('original').orderBy('id').select('id', 'v')).toEqual([
      { id: 1, v: 'a' },
      { id: 3, v: 'c' },
    ]);
  });
});
