/** MySQL and MariaDB (mysql2). */
import type { Knex } from 'knex';
import type { Dialect } from '../../dialect.js';
import { describeTable } from './introspect.js';
import { mysqlValues } from './values.js';
import { mysqlWrites } from './upsert.js';
import { mysqlBulkLoad } from './bulk-load.js';
import { mysqlKeyset } from './keyset.js';
import { mysqlChecksum } from './checksum.js';

/** The MySQL/MariaDB dialect. */
export const mysqlDialect: Dialect = {
  name: 'mysql',
  knexClient: 'mysql2',
  knexConfig(url, { poolMax }) {
    const c = url.connection;
    return {
      client: 'mysql2',
      connection: {
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ssl: c.ssl ? {} : undefined,
        charset: 'utf8mb4',
        timezone: 'Z',
        // Exact values: big integers, decimals and date-times come back as strings.
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        jsonStrings: true,
        decimalNumbers: false,
        connectTimeout: 10_000,
        // Lets a transaction send several of its statements in one round trip (see
        // statement-pipeline.ts). Every value switchyard sends is a bound parameter and every
        // identifier is quoted, so no input can add a statement.
        multipleStatements: true,
      } as Knex.MySql2ConnectionConfig,
      pool: {
        min: 0,
        max: poolMax,
        afterCreate(conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
          conn.query("SET time_zone = '+00:00'", (err) => done(err, conn));
        },
      },
      acquireConnectionTimeout: 15_000,
    };
  },
  quoteIdent(name) {
    return '`' + name.replace(/`/g, '``') + '`';
  },
  describeTable,
  values: mysqlValues,
  writes: mysqlWrites,
  bulkLoad: mysqlBulkLoad,
  keyset: mysqlKeyset,
  checksum: mysqlChecksum,
  async withLock(knex, name, fn) {
    const conn = await knex.client.acquireConnection();
    try {
      const [[row]] = (await knex.raw('select GET_LOCK(?, 60) as got', [name]).connection(conn)) as [[{ got: number }]];
      if (row?.got !== 1) throw new Error(`timed out after 60 s waiting for lock ${name}`);
      try {
        return await fn();
      } finally {
        await knex.raw('select RELEASE_LOCK(?)', [name]).connection(conn);
      }
    } finally {
      await knex.client.releaseConnection(conn);
    }
  },
};
