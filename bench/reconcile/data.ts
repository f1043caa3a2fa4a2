/**
 * The benchmark table pair, generated inside each database (no rows cross the network):
 * id, a short string, text, DATETIME(3)/TIMESTAMP(3), DECIMAL(12,2).
 */
import type { Store } from '../../src/store/connect.js';

/** Creates and fills the table on MariaDB (sequence engine). */
export async function fillMysql(s: Store, table: string, rows: number): Promise<void> {
  await s.knex.raw(`DROP TABLE IF EXISTS ${table}`);
  await s.knex.raw(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, body TEXT, created DATETIME(3) NOT NULL, amount DECIMAL(12,2) NOT NULL)`);
  await s.knex.raw(
    `INSERT INTO ${table} SELECT seq, CONCAT('name-', seq), CONCAT('body text for row ', seq, ' lorem ipsum dolor sit amet'),
       TIMESTAMP('2024-01-01') + INTERVAL seq * 1001000 MICROSECOND, (seq % 100000) / 100 FROM seq_1_to_${rows}`,
  );
  await s.knex.raw(`ANALYZE TABLE ${table}`);
}

/** Creates and fills the same table on PostgreSQL (generate_series). */
export async function fillPostgres(s: Store, table: string, rows: number): Promise<void> {
  await s.knex.raw(`DROP TABLE IF EXISTS ${table}`);
  await s.knex.raw(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, body TEXT, created TIMESTAMP(3) NOT NULL, amount NUMERIC(12,2) NOT NULL)`);
  await s.knex.raw(
    `INSERT INTO ${table} SELECT g, 'name-' || g, 'body text for row ' || g || ' lorem ipsum dolor sit amet',
       timestamp '2024-01-01' + g * interval '1001 microseconds' * 1000, (g % 100000)::numeric / 100 FROM generate_series(1, ${rows}) g`,
  );
  await s.knex.raw(`VACUUM ANALYZE ${table}`);
}

/** `count` distinct ids spread over 1..rows (deterministic). */
export function scatteredIds(rows: number, count: number): number[] {
  const ids = new Set<number>();
  let x = 12345;
  while (ids.size < count) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ids.add((x % rows) + 1);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Changes the `name` of the given rows on a store. */
export async function changeRows(s: Store, table: string, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await s.knex(table).whereIn('id', ids.slice(i, i + 500)).update({ name: s.knex.raw(`${s.dialect.name === 'mysql' ? "CONCAT('changed-', id)" : "'changed-' || id"}`) });
  }
}
