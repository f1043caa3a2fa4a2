/** Backfill cases of the shared datastore suite: every key shape, with gaps, in small chunks. */
import { describe, expect, it } from 'vitest';
import { runBackfill } from '../../../src/store/backfill/run.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { createTable, dropTable, usePair, snapshot, type ColType, type EnginePair } from './pairs.js';

type Cols = ReadonlyArray<readonly [string, ColType, 'null'?]>;

interface KeyShape {
  name: string;
  cols: Cols;
  keyCount: number;
  rows: Array<Record<string, unknown>>;
}

const SHAPES: KeyShape[] = [
  {
    name: 'integer key with gaps',
    cols: [['id', 'bigint'], ['name', 'str32']],
    keyCount: 1,
    rows: [1, 2, 3, 7, 100, 101, 5000, 123456, 2 ** 40, 2 ** 52 + 1].map((id, i) => ({ id, name: `row ${i}` })),
  },
  {
    name: 'string key',
    cols: [['code', 'key40'], ['name', 'str32']],
    keyCount: 1,
    rows: ['alpha', 'beta', 'b-2', 'gamma 7', 'zeta', 'éclair', '東京', 'x_1', 'x_10', 'x_2', 'mm😀'].map((code, i) => ({ code, name: `n${i}` })),
  },
  {
    name: 'UUID key',
    cols: [['id', 'uuid'], ['name', 'str32']],
    keyCount: 1,
    rows: ['00000000-0000-0000-0000-000000000001', '123e4567-e89b-12d3-a456-426614174000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '9b2c1a3e-0f4d-4c1e-8a7b-5d6e7f809102', '0b2c1a3e-0f4d-4c1e-8a7b-5d6e7f809102', 'a0000000-0000-4000-8000-000000000000'].map(
      (id, i) => ({ id, name: `u${i}` }),
    ),
  },
  {
    name: 'composite key (int, bigint)',
    cols: [['tenant', 'int'], ['seq', 'bigint'], ['name', 'str32']],
    keyCount: 2,
    rows: [1, 2, 5].flatMap((tenant) => [1, 2, 3, 10, 11, 1000].map((seq) => ({ tenant, seq, name: `t${tenant}s${seq}` }))),
  },
  {
    name: 'composite key (string, int)',
    cols: [['region', 'key40'], ['id', 'int'], ['name', 'str32']],
    keyCount: 2,
    rows: ['eu', 'us', 'ap-south'].flatMap((region) => [3, 1, 2, 40].map((id) => ({ region, id, name: `${region}-${id}` }))),
  },
];

/** Registers the backfill key-shape cases for a pair. */
export function backfillCases(pair: EnginePair): void {
  describe(`backfill key shapes (${pair.name})`, () => {
    const p = usePair(pair, 'shapes');
    const control = tempSqliteUrl('control');

    for (const shape of SHAPES) {
      it(`copies every row with a ${shape.name}, in chunks smaller than the table, and resumes to the same result`, async () => {
        if (!p.ok) return;
        const table = uniqueTable('sy_bf_keys');
        await createTable(p.legacy, table, shape.cols, shape.keyCount);
        await createTable(p.next, table, shape.cols, shape.keyCount);
        try {
          for (const r of shape.rows) await p.legacy.knex(table).insert(r);
          const first = await runBackfill({ source: p.legacy, target: p.next, control, table, chunkSize: 4 });
          expect(first.status).toBe('completed');
          expect(first.rows).toBe(shape.rows.length);
          expect(first.chunks).toBe(Math.ceil(shape.rows.length / 4));
          expect(await snapshot(p.next, table, shape.cols)).toEqual(await snapshot(p.legacy, table, shape.cols));
          // A second run after completion starts over and changes nothing (existing rows are kept).
          const again = await runBackfill({ source: p.legacy, target: p.next, control, table, chunkSize: 3 });
          expect(again.resumed).toBe(false);
          expect(await snapshot(p.next, table, shape.cols)).toEqual(await snapshot(p.legacy, table, shape.cols));
        } finally {
          await dropTable(p.legacy, table);
          await dropTable(p.next, table);
        }
      });
    }
  });
}
