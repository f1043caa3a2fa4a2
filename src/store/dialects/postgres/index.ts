/** PostgreSQL (pg). */
import type { Knex } from 'knex';
import pg from 'pg';
import type { Dialect } from '../../dialect.js';
import { describeTable } from './introspect.js';
import { postgresValues } from './values.js';
import { postgresWrites } from './upsert.js';
import { postgresBulkLoad } from './bulk-load.js';
import { postgresKeyset } from './keyset.js';
import { postgresChecksum } from './checksum.js';

// pg type OIDs whose text form is kept as is (exact): int8, numeric, date, timestamp, timestamptz, time.
const TEXT_OIDS = new Set([20, 1700, 1082, 1114, 1184, 1083, 1266]);

/** pg `types` override: exact text for big integers, decimals and date-times. */
export const exactTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (TEXT_OIDS.has(oid)) return (v: string) => v;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
};

/** A 32-bit advisory lock key from a name (FNV-1a). */
export function lockKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The PostgreSQL dialect. */
export const postgresDialect: Dialect = {
  name: 'postgres',
  knexClient: 'pg',
  knexConfig(url, { poolMax }) {
    const c = url.connection;
    return {
      client: 'pg',
      connection: {
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ssl: c.ssl ? { rejectUnauthorized: false } : undefined,
        types: exactTypes,
        options: '-c TimeZone=UTC',
        connectionTimeoutMillis: 10_000,
      } as Knex.PgConnectionConfig,
      pool: { min: 0, max: poolMax },
      acquireConnectionTimeout: 15_000,
    };
  },
  quoteIdent(name) {
    return name
      .split('.')
      .map((part) => '"' + part.replace(/"/g, '""') + '"')
      .join('.');
  },
  describeTable,
  values: postgresValues,
  writes: postgresWrites,
  bulkLoad: postgresBulkLoad,
  keyset: postgresKeyset,
  checksum: postgresChecksum,
  async withLock(knex, name, fn) {
    const conn = await knex.client.acquireConnection();
    try {
      await knex.raw('select pg_advisory_lock(?)', [lockKey(name)]).connection(conn);
      try {
        return await fn();
      } finally {
        await knex.raw('select pg_advisory_unlock(?)', [lockKey(name)]).connection(conn);
      }
    } finally {
      await knex.client.releaseConnection(conn);
    }
  },
};
