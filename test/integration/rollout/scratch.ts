/** A fresh control database per suite: an SQLite file, or a scratch database on the shared MariaDB / PostgreSQL servers. */
import knexFactory from 'knex';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';

export type Engine = 'sqlite' | 'mysql' | 'postgres';

export interface Scratch {
  url: string;
  drop(): Promise<void>;
}

/** Creates a scratch control database; undefined when the server is unreachable (and CI is not set). */
export async function scratchControl(engine: Engine): Promise<Scratch | undefined> {
  if (engine === 'sqlite') return { url: tempSqliteUrl('control'), drop: async () => undefined };
  const admin = engine === 'mysql' ? MYSQL_URL : POSTGRES_URL;
  if (!(await requireDatabase(admin))) return undefined;
  const name = `sy_ro_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const client = engine === 'mysql' ? 'mysql2' : 'pg';
  const k = knexFactory({ client, connection: admin });
  await k.raw(`create database ${name}`);
  await k.destroy();
  return {
    url: admin.replace(/\/test$/, `/${name}`),
    async drop() {
      const k2 = knexFactory({ client, connection: admin });
      await k2.raw(`drop database if exists ${name}${engine === 'postgres' ? ' with (force)' : ''}`);
      await k2.destroy();
    },
  };
}
