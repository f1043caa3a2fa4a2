/**
 * The planted-difference data set: four table pairs (every type, composite key, string keys
 * in mixed case, UUID keys) filled identically on both sides, then given exactly the
 * differences listed in `expected`.
 */
import type { Store } from '../../../src/store/connect.js';
import { createTable, insertRows, typesDef, typesRow, type TableDef } from './fixtures.js';

/** Table names of one planted data set. */
export interface PlantedTables {
  types: string;
  composite: string;
  strings: string;
  uuids: string;
}

/** `table|kind|{"key":..}|col,col` for every planted difference that must be reported. */
export type ExpectedSet = Set<string>;

/** Identity of a reported mismatch, comparable with the expected set. */
export function mismatchId(table: string, kind: string, key: Record<string, string>, columns: string[]): string {
  return `${table}|${kind}|${JSON.stringify(key)}|${[...columns].sort().join(',')}`;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const uuidOf = (i: number): string => `${pad(i * 7919, 8)}-${pad(i, 4)}-4abc-9def-${pad(i * 104729, 12)}`;
const strKey = (i: number): string => `${i % 2 ? 'K' : 'k'}${pad(i, 3)}`;
const N = 120;

/** Creates and fills the four pairs with the planted differences; returns what must be found. */
export async function plantDifferences(legacy: Store, next: Store, t: PlantedTables): Promise<ExpectedSet> {
  const expected: ExpectedSet = new Set();
  const both = async (def: TableDef, rows: (side: 'legacy' | 'next') => Array<Record<string, unknown>>): Promise<void> => {
    await Promise.all([createTable(legacy, 'legacy', def), createTable(next, 'next', def)]);
    await Promise.all([insertRows(legacy, def.name, rows('legacy')), insertRows(next, def.name, rows('next'))]);
  };

  // 1. every type, integer key
  await both(typesDef(t.types), (side) =>
    Array.from({ length: N }, (_, k) => {
      const r = typesRow(k + 1);
      if (side === 'legacy') return { ...r, u: String(r['u']).toUpperCase(), fixed: `${String(r['fixed'])}   ` };
      const i = k + 1;
      // next writes JSON with other key order, spacing and number forms: equal data
      return { ...r, j: `{"nested":{"a":[1,2],"z":1},"price":2.5,"tags":["a","b"],"name":"n${i}"}` };
    }),
  );
  const L = legacy.knex;
  const X = next.knex;
  const ty = t.types;
  const changed = (id: number, cols: string[]): void => void expected.add(mismatchId(ty, 'changed', { id: String(id) }, cols));
  await X(ty).where({ id: 1 }).del();
  await X(ty).where({ id: N }).del();
  expected.add(mismatchId(ty, 'missing-in-next', { id: '1' }, []));
  expected.add(mismatchId(ty, 'missing-in-next', { id: String(N) }, []));
  await insertRows(next, ty, [{ ...typesRow(5), id: -5 }, { ...typesRow(7), id: 500 }].map((r) => ({ ...r, j: '{}' })));
  expected.add(mismatchId(ty, 'extra-in-next', { id: '-5' }, []));
  expected.add(mismatchId(ty, 'extra-in-next', { id: '500' }, []));
  await L(ty).where({ id: 10 }).update({ s: null });
  await X(ty).where({ id: 10 }).update({ s: '' });
  changed(10, ['s']); // NULL vs empty string
  await X(ty).where({ id: 20 }).update({ ts6: '2024-03-01 10:00:20.000021' });
  changed(20, ['ts6']); // one microsecond at a precision both sides keep
  await X(ty).where({ id: 30 }).update({ ts3: '2024-03-01 11:00:30.030001' }); // 1 µs below the 3 digits legacy keeps: not a difference
  await X(ty).where({ id: 40 }).update({ d: '40.41' });
  changed(40, ['d']); // decimal off by 0.01
  await X(ty).where({ id: 50 }).update({ j: '{"name":"n50","tags":["a"],"price":2.5,"nested":{"z":1,"a":[1,2]}}' });
  changed(50, ['j']); // JSON value changed
  await X(ty).where({ id: 70 }).update({ b: next.dialect.name === 'postgres' ? false : 0 });
  changed(70, ['b']);
  await X(ty).where({ id: 90 }).update({ f: (90 / 7) * (1 + 3e-15) }); // inside the float tolerance: not a difference
  await X(ty).where({ id: 95 }).update({ f: 1.6 });
  changed(95, ['f']);
  await X(ty).where({ id: 100 }).update({ t: 'trailing ' });
  await L(ty).where({ id: 100 }).update({ t: 'trailing' });
  changed(100, ['t']); // trailing space is significant in VARCHAR/TEXT
  await X(ty).where({ id: 110 }).update({ bin: Buffer.from([9, 9]) });
  changed(110, ['bin']);

  // 2. composite key
  const comp: TableDef = { name: t.composite, key: ['tenant', 'seq'], columns: [['tenant', 'int'], ['seq', 'int'], ['val', 'varchar']] };
  const compRows = (): Array<Record<string, unknown>> => [1, 2, 3].flatMap((tenant) => Array.from({ length: 40 }, (_, k) => ({ tenant, seq: k + 1, val: `v${tenant}-${k + 1}` })));
  await both(comp, compRows);
  await X(t.composite).where({ tenant: 1, seq: 1 }).del();
  expected.add(mismatchId(t.composite, 'missing-in-next', { tenant: '1', seq: '1' }, []));
  await insertRows(next, t.composite, [{ tenant: 3, seq: 41, val: 'extra' }]);
  expected.add(mismatchId(t.composite, 'extra-in-next', { tenant: '3', seq: '41' }, []));
  await X(t.composite).where({ tenant: 2, seq: 5 }).update({ val: 'changed' });
  expected.add(mismatchId(t.composite, 'changed', { tenant: '2', seq: '5' }, ['val']));

  // 3. string keys in mixed case (engines order them differently)
  const str: TableDef = { name: t.strings, key: ['code'], columns: [['code', 'varchar'], ['n', 'int']] };
  await both(str, () => Array.from({ length: 80 }, (_, i) => ({ code: strKey(i), n: i })));
  await X(t.strings).where({ code: strKey(0) }).del();
  expected.add(mismatchId(t.strings, 'missing-in-next', { code: strKey(0) }, []));
  await insertRows(next, t.strings, [{ code: 'zz-extra', n: 1 }]);
  expected.add(mismatchId(t.strings, 'extra-in-next', { code: 'zz-extra' }, []));
  await X(t.strings).where({ code: strKey(41) }).update({ n: -1 });
  expected.add(mismatchId(t.strings, 'changed', { code: strKey(41) }, ['n']));

  // 4. UUID keys (upper case on a MySQL CHAR legacy)
  const uu: TableDef = { name: t.uuids, key: ['id'], columns: [['id', 'uuid'], ['v', 'int']] };
  await both(uu, (side) => Array.from({ length: 60 }, (_, i) => ({ id: side === 'legacy' && legacy.dialect.name === 'mysql' ? uuidOf(i).toUpperCase() : uuidOf(i), v: i })));
  await X(t.uuids).where({ id: uuidOf(7) }).del();
  expected.add(mismatchId(t.uuids, 'missing-in-next', { id: uuidOf(7) }, []));
  await X(t.uuids).where({ id: uuidOf(33) }).update({ v: 1000 });
  expected.add(mismatchId(t.uuids, 'changed', { id: uuidOf(33) }, ['v']));
  return expected;
}
