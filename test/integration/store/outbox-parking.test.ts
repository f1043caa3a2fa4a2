/**
 * An outbox entry that can never apply on the other store (here: an unsigned 64-bit value a
 * PostgreSQL bigint cannot hold) is parked with an error naming table, key and column, while
 * the other entries of the same outbox row — and later writes to the same key — still apply.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createDualWriter } from '../../../src/store/dual/dual-writer.js';
import { openStore } from '../../../src/store/connect.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { PAIRS, usePair } from './pairs.js';

describe('outbox parking (mysql → postgres)', () => {
  const p = usePair(PAIRS.mysqlToPostgres, 'parking');

  it('parks the entry that cannot apply, applies its neighbours and later writes to the key, and counts it', async () => {
    if (!p.ok) return;
    const table = uniqueTable('sy_park');
    await p.legacy.knex.raw(`create table ${table} (id bigint primary key, n bigint unsigned not null)`);
    await p.next.knex.raw(`create table ${table} (id bigint primary key, n bigint not null)`);
    const registry = new Registry();
    const w = await createDualWriter({ legacy: p.legacy, next: p.next, tables: [{ name: table }], namespace: table, registry, pollIntervalMs: 20, retryBaseMs: 20, retryMaxMs: 200 });
    try {
      // Written concurrently, so they share one primary transaction and one outbox row.
      const results = await Promise.all([w.upsert(table, { id: 1, n: 5 }), w.upsert(table, { id: 2, n: 2n ** 64n - 1n }), w.upsert(table, { id: 3, n: 7 })]);
      expect(new Set(results.map((r) => r.outboxId)).size).toBe(1);
      await w.drain({ timeoutMs: 10_000 });

      const stats = await w.outboxStats();
      expect(stats.legacy).toMatchObject({ depth: 0, parked: 1 });
      const nextRows = (await p.next.knex(table).select('id', 'n').orderBy('id')) as Array<{ id: string; n: string }>;
      expect(nextRows.map((r) => [Number(r.id), Number(r.n)])).toEqual([
        [1, 5],
        [3, 7],
      ]);
      const parked = (await p.legacy.knex('sy_outbox').where({ namespace: table, status: 'parked' }).select('entries', 'last_error')) as Array<{ entries: number; last_error: string }>;
      expect(parked).toHaveLength(1);
      expect(parked[0]!.entries).toBe(1);
      expect(parked[0]!.last_error).toContain(`table ${table}`);
      expect(parked[0]!.last_error).toContain('18446744073709551615');
      expect(parked[0]!.last_error).toMatch(/\bn\b/);
      const failures = (await registry.getSingleMetric('switchyard_outbox_apply_failures_total')!.get()).values;
      expect(failures.find((v) => v.labels['kind'] === 'parked')?.value).toBe(1);

      // A later write to the parked key applies.
      await w.upsert(table, { id: 2, n: 9 });
      await w.drain({ timeoutMs: 10_000 });
      expect(Number(((await p.next.knex(table).where({ id: 2 }).first('n')) as { n: string }).n)).toBe(9);
    } finally {
      await w.close();
      for (const s of [p.legacy, p.next]) {
        await s.knex.schema.dropTableIfExists(table);
        await s.knex('sy_outbox').where('namespace', table).del();
      }
    }
  });
});

describe('outbox format', () => {
  it('refuses an outbox of the older one-row-per-write format that still holds entries, and replaces it once empty', async () => {
    const store = await openStore(tempSqliteUrl('old-outbox'), { label: 'legacy' });
    const next = await openStore(tempSqliteUrl('old-outbox-next'), { label: 'next' });
    try {
      await store.knex.raw('create table t (id integer primary key, v text)');
      await next.knex.raw('create table t (id integer primary key, v text)');
      await store.knex.raw(`create table sy_outbox (id integer primary key autoincrement, namespace varchar(128) not null, table_name varchar(255) not null, key_json text not null, partition_no integer not null, op varchar(8) not null, row_json text not null, created_at_ms bigint not null, attempts integer not null default 0, status varchar(8) not null default 'pending', last_error text)`);
      await store.knex('sy_outbox').insert({ namespace: 'default', table_name: 't', key_json: '[1]', partition_no: 3, op: 'upsert', row_json: '{"id":1,"v":"x"}', created_at_ms: Date.now() });
      await expect(createDualWriter({ legacy: store, next, tables: [{ name: 't' }] })).rejects.toThrow(/STORE_OUTBOX_OLD_FORMAT.*1 entries/);
      expect(await store.knex('sy_outbox').count({ n: '*' })).toEqual([{ n: 1 }]);

      await store.knex('sy_outbox').del();
      const w = await createDualWriter({ legacy: store, next, tables: [{ name: 't' }] });
      await w.upsert('t', { id: 1, v: 'y' });
      await w.drain({ timeoutMs: 5000 });
      await w.close();
      expect(await store.knex.schema.hasColumn('sy_outbox', 'payload')).toBe(true);
      expect(await next.knex('t').select('id', 'v')).toEqual([{ id: 1, v: 'y' }]);
    } finally {
      await store.close();
      await next.close();
    }
  });
});
