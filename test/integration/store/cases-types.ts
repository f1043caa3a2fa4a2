/** Type-conversion cases of the shared datastore suite: tricky values survive; unfit values stop the backfill. */
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../../../src/errors.js';
import { runBackfill } from '../../../src/store/backfill/run.js';
import { createDualWriter } from '../../../src/store/dual/dual-writer.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { createTable, dropTable, usePair, snapshot, type ColType, type EnginePair } from './pairs.js';

const COLS = [
  ['id', 'int'],
  ['big', 'bigint', 'null'],
  ['ubig', 'ubigint', 'null'],
  ['s', 'str32', 'null'],
  ['t', 'text', 'null'],
  ['d3', 'dt3', 'null'],
  ['d6', 'dt6', 'null'],
  ['ts', 'ts6', 'null'],
  ['dec', 'dec12_2', 'null'],
  ['flag', 'bool', 'null'],
  ['doc', 'json', 'null'],
  ['bin', 'bin', 'null'],
  ['u', 'uuid', 'null'],
] as const satisfies ReadonlyArray<readonly [string, ColType, 'null'?]>;

function rows(sqlite: boolean): Array<Record<string, unknown>> {
  return [
    {
      id: 1,
      big: sqlite ? '-9007199254740991' : '-9223372036854775808',
      ubig: sqlite ? '12345678901234' : '18446744073709551615',
      s: '😀 naïve 漢字 — ok',
      t: 'line1\nline2\ttab\\backslash \u00e9',
      d3: '2024-02-29 23:59:59.999',
      d6: '1999-12-31 23:59:59.000001',
      ts: '2030-05-06 07:08:09.123456',
      dec: '-9999999999.99',
      flag: true,
      doc: '{"b":[1,2.5,{"c":null}],"a":"x ü"}',
      bin: Buffer.from([0, 1, 2, 255, 254, 0]),
      u: '123e4567-e89b-12d3-a456-426614174000',
    },
    { id: 2, big: null, ubig: null, s: null, t: null, d3: null, d6: null, ts: null, dec: null, flag: null, doc: null, bin: null, u: null },
    { id: 3, big: '0', ubig: '0', s: '', t: '', d3: '1970-01-01 00:00:00.000', d6: '2000-01-01 00:00:00', ts: '1999-01-01 00:00:00', dec: '0.01', flag: false, doc: '[]', bin: Buffer.alloc(0), u: 'ffffffff-ffff-4fff-bfff-ffffffffffff' },
  ];
}

const UNFIT: Array<{ what: string; src: ColType; tgt: ColType; ok: unknown; bad: unknown; reason: RegExp }> = [
  { what: 'a too-long string', src: 'str64', tgt: 'str32', ok: 'short', bad: 'x'.repeat(40), reason: /40 characters/ },
  { what: 'a decimal scale overflow', src: 'dec12_4', tgt: 'dec12_2', ok: '1.2500', bad: '1.2345', reason: /4 decimal places/ },
  { what: 'an out-of-range integer', src: 'ubigint', tgt: 'bigint', ok: '7', bad: '18446744073709551615', reason: /out of range/ },
  { what: 'sub-millisecond precision into DATETIME(3)', src: 'dt6', tgt: 'dt3', ok: '2024-01-01 00:00:00.123000', bad: '2024-01-01 00:00:00.123456', reason: /fractional-second digits/ },
];

/** Registers the type cases for a pair. */
export function typeCases(pair: EnginePair): void {
  describe(`type conversion (${pair.name})`, () => {
    const p = usePair(pair, 'types');
    const control = tempSqliteUrl('control');

    it('copies utf8mb4 text, date-time precision and zone, decimals, booleans, JSON, binary, unsigned 64-bit, UUID and NULL exactly', async () => {
      if (!p.ok) return;
      const table = uniqueTable('sy_bf_types');
      await createTable(p.legacy, table, COLS);
      await createTable(p.next, table, COLS);
      try {
        for (const r of rows(pair.legacy === 'sqlite')) await p.legacy.knex(table).insert(r);
        const result = await runBackfill({ source: p.legacy, target: p.next, control, table, chunkSize: 2 });
        expect(result.rows).toBe(3);
        const got = await snapshot(p.next, table, COLS);
        expect(got).toEqual(await snapshot(p.legacy, table, COLS));
        expect(got.join('\n')).toContain('😀 naïve 漢字');
      } finally {
        await dropTable(p.legacy, table);
        await dropTable(p.next, table);
      }
    });

    it('carries the same values through dual writes and the relay (one batch of 40 rows: the columnar upsert where the target has one)', async () => {
      if (!p.ok) return;
      const table = uniqueTable('sy_dw_types');
      await createTable(p.legacy, table, COLS);
      await createTable(p.next, table, COLS);
      try {
        const sqlite = pair.legacy === 'sqlite';
        const filler = Array.from({ length: 37 }, (_, i) => ({ ...rows(sqlite)[i % 3]!, id: 10 + i, s: `row ${i} "q" {b} \\ ,`, dec: `${i}.5` }));
        // Written with the relay off, then drained by one relay: every entry goes in one apply.
        const writer = await createDualWriter({ legacy: p.legacy, next: p.next, tables: [{ name: table }], namespace: table, relay: false });
        await Promise.all([...rows(sqlite), ...filler].map((r) => writer.upsert(table, r)));
        await writer.close();
        const sqls: string[] = [];
        const onQuery = (q: { sql: string }): void => void sqls.push(q.sql);
        p.next.knex.on('query', onQuery);
        const relay = await createDualWriter({ legacy: p.legacy, next: p.next, tables: [{ name: table }], namespace: table, pollIntervalMs: 20 });
        await relay.drain({ timeoutMs: 10_000 }).finally(() => p.next.knex.off('query', onQuery));
        await relay.close();
        if (pair.next === 'postgres') expect(sqls.some((q) => q.includes('unnest(') && q.includes(table))).toBe(true);
        const got = await snapshot(p.next, table, COLS);
        expect(got).toHaveLength(40);
        expect(got).toEqual(await snapshot(p.legacy, table, COLS));
      } finally {
        await dropTable(p.legacy, table);
        await dropTable(p.next, table);
        for (const st of [p.legacy, p.next]) await st.knex('sy_outbox').where('namespace', table).del();
      }
    });

    for (const u of UNFIT) {
      it(`stops at ${u.what}, naming table, key and column, and writes nothing of that chunk`, async () => {
        if (!p.ok) return;
        const table = uniqueTable('sy_bf_unfit');
        await createTable(p.legacy, table, [['id', 'int'], ['v', u.src]]);
        await createTable(p.next, table, [['id', 'int'], ['v', u.tgt]]);
        try {
          await p.legacy.knex(table).insert([{ id: 1, v: u.ok }, { id: 2, v: u.bad }, { id: 3, v: u.ok }]);
          const err = await runBackfill({ source: p.legacy, target: p.next, control, table }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(SwitchyardError);
          const e = err as SwitchyardError;
          expect(e.id).toBe('STORE_VALUE_NOT_REPRESENTABLE');
          expect(e.message).toContain(`table ${table}`);
          expect(e.message).toContain('id=2');
          expect(e.message).toContain('column v');
          expect(e.message).toMatch(u.reason);
          expect(e.details).toMatchObject({ table, column: 'v', key: { id: '2' } });
          expect(Number(((await p.next.knex(table).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n)).toBe(0);
        } finally {
          await dropTable(p.legacy, table);
          await dropTable(p.next, table);
        }
      });
    }
  });
}
