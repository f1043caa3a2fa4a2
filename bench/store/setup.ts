/** Bench data: the 1,000,000-row MariaDB table and the PostgreSQL targets (scratch tables, dropped at the end). */
import type { Store } from '../../src/store/connect.js';

export const SOURCE = 'sy_bench_store_src';
export const PIPE_TARGET = 'sy_bench_store_pipe';
export const BACKFILL_TARGET = 'sy_bench_store_bf';
export const METHOD_TARGET = 'sy_bench_store_method';
export const DUAL_TABLE = 'sy_bench_store_dw';

/** Creates and fills the source table with `rows` rows in one INSERT ... SELECT from MariaDB's sequence engine. */
export async function createSource(mysql: Store, rows: number): Promise<number> {
  const t0 = Date.now();
  await mysql.knex.raw(`drop table if exists ${SOURCE}`);
  await mysql.knex.raw(`create table ${SOURCE} (id bigint primary key, name varchar(32) not null, body text not null, created_at datetime(3) not null, amount decimal(12,2) not null)`);
  await mysql.knex.raw(
    `insert into ${SOURCE} select seq, concat('user-', seq), concat('message body number ', seq, ' with some ordinary text in it'),
            timestamp'2024-01-01 00:00:00' + interval seq * 1013 microsecond, (seq % 1000000) / 100 from seq_1_to_${rows}`,
  );
  return Date.now() - t0;
}

/** Creates (or empties) a PostgreSQL table of the source's shape. */
export async function createTarget(pg: Store, table: string): Promise<void> {
  await pg.knex.raw(`drop table if exists ${table}`);
  await pg.knex.raw(`create table ${table} (id bigint primary key, name varchar(32) not null, body text not null, created_at timestamp(3) not null, amount numeric(12,2) not null)`);
}

/** Creates the dual-write table on both stores. */
export async function createDualTables(mysql: Store, pg: Store): Promise<void> {
  await mysql.knex.raw(`drop table if exists ${DUAL_TABLE}`);
  await mysql.knex.raw(`create table ${DUAL_TABLE} (id bigint primary key, name varchar(32) not null, body text not null, created_at datetime(3) not null, amount decimal(12,2) not null, ver bigint not null)`);
  await pg.knex.raw(`drop table if exists ${DUAL_TABLE}`);
  await pg.knex.raw(`create table ${DUAL_TABLE} (id bigint primary key, name varchar(32) not null, body text not null, created_at timestamp(3) not null, amount numeric(12,2) not null, ver bigint not null)`);
}

/** count(*), sum(amount) and a checksum of the rows, to show two copies hold the same data. */
export async function fingerprint(pg: Store, table: string): Promise<string> {
  const { rows } = (await pg.knex.raw(`select count(*) as n, sum(amount) as s, sum(hashtext(id || '|' || name || '|' || body || '|' || created_at::text)::bigint) as h from ${table}`)) as { rows: Array<{ n: string; s: string; h: string }> };
  const r = rows[0]!;
  return `${r.n}/${r.s}/${r.h}`;
}

/** Drops every bench table. */
export async function dropAll(mysql: Store, pg: Store): Promise<void> {
  for (const t of [SOURCE, DUAL_TABLE]) await mysql.knex.raw(`drop table if exists ${t}`);
  for (const t of [PIPE_TARGET, BACKFILL_TARGET, METHOD_TARGET, DUAL_TABLE]) await pg.knex.raw(`drop table if exists ${t}`);
}
