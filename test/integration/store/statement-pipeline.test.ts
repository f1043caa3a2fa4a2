/**
 * The statement pipeline on real servers: statements of one transaction run in the order sent
 * (each sees the rows of the ones before), merged into one query on MySQL, and a failure fails
 * `finish()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/connect.js';
import { StatementPipeline } from '../../../src/store/statement-pipeline.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';

for (const [engine, url] of [
  ['mysql', MYSQL_URL],
  ['postgres', POSTGRES_URL],
  ['sqlite', tempSqliteUrl('pipeline')],
] as const) {
  describe(`statement pipeline (${engine})`, () => {
    let store: Store | undefined;
    const table = uniqueTable('sy_pipe');
    beforeAll(async () => {
      if (engine !== 'sqlite' && !(await requireDatabase(url))) return;
      store = await openStore(url, { label: 'legacy' });
      await store.knex.schema.createTable(table, (t) => {
        t.integer('seq').primary();
        t.integer('seen').notNullable();
      });
    });
    afterAll(async () => {
      await store?.knex.schema.dropTableIfExists(table);
      await store?.close();
    });

    it('runs statements in the order sent, each after the ones before it', async () => {
      if (!store) return;
      const counts = await store.knex.transaction(async (trx) => {
        const pipe = new StatementPipeline();
        // Each insert records how many rows it saw: 0, 1, 2, ... only if they ran in order.
        for (let i = 0; i < 20; i++) void pipe.send(trx.raw(`insert into ${table} (seq, seen) select ?, count(*) from ${table}`, [i]));
        const rows = pipe.send<unknown>(trx(table).select('seq', 'seen').orderBy('seq'));
        await pipe.finish();
        return (await rows) as Array<{ seq: number; seen: number | string }>;
      });
      expect(counts.map((r) => [Number(r.seq), Number(r.seen)])).toEqual(Array.from({ length: 20 }, (_, i) => [i, i]));
    });

    it('merges statements into one query where the connection takes several (MySQL), in order, with each statement\'s own result', async () => {
      if (!store || !store.dialect.writes.multiStatement) return;
      const { counts, inserted } = await store.knex.transaction(async (trx) => {
        const pipe = new StatementPipeline(trx);
        for (let i = 200; i < 205; i++) void pipe.send(trx.raw(`insert into ${table} (seq, seen) select ?, count(*) from ${table} where seq >= 200`, [i]));
        const inserted = pipe.send<{ affectedRows: number }>(trx(table).insert({ seq: 205, seen: 5 }));
        const rows = pipe.send<Array<{ seq: number; seen: number }>>(trx(table).select('seq', 'seen').where('seq', '>=', 200).orderBy('seq'));
        await pipe.finish();
        return { counts: await rows, inserted: await inserted };
      });
      expect(counts.map((r) => [Number(r.seq), Number(r.seen)])).toEqual(Array.from({ length: 6 }, (_, i) => [200 + i, i]));
      expect(inserted.affectedRows).toBe(1);
      await store.knex(table).where('seq', '>=', 200).del();
    });

    it('fails a merged query with its first failing statement, and the transaction rolls back (MySQL)', async () => {
      if (!store || !store.dialect.writes.multiStatement) return;
      const attempt = store.knex.transaction(async (trx) => {
        const pipe = new StatementPipeline(trx);
        void pipe.send(trx(table).insert({ seq: 300, seen: 0 }));
        void pipe.send(trx(table).insert({ seq: 300, seen: 1 }));
        void pipe.send(trx(table).insert({ seq: 301, seen: 2 }));
        await pipe.finish();
      });
      await expect(attempt).rejects.toThrow(/duplicate/i);
      const counted = (await store.knex(table).where('seq', '>=', 300).count({ n: '*' })) as Array<{ n: number | string }>;
      expect(Number(counted[0]?.n)).toBe(0);
    });

    it('fails finish() with the first failing statement', async () => {
      if (!store) return;
      const attempt = store.knex.transaction(async (trx) => {
        const pipe = new StatementPipeline();
        void pipe.send(trx(table).insert({ seq: 100, seen: 0 }));
        void pipe.send(trx(table).insert({ seq: 100, seen: 1 }));
        void pipe.send(trx(table).insert({ seq: 101, seen: 2 }));
        await pipe.finish();
      });
      await expect(attempt).rejects.toThrow(/duplicate|unique/i);
      const counted = (await store.knex(table).where('seq', '>=', 100).count({ n: '*' })) as Array<{ n: number | string }>;
      expect(Number(counted[0]?.n)).toBe(0);
    });
  });
}
