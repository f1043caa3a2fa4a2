/** SQLite (better-sqlite3): the embedded default. */
import { openSync, closeSync, unlinkSync, statSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Dialect } from '../../dialect.js';
import { describeTable } from './introspect.js';
import { sqliteValues } from './values.js';
import { sqliteWrites } from './upsert.js';
import { sqliteBulkLoad } from './bulk-load.js';
import { sqliteKeyset } from './keyset.js';
import { sqliteChecksum } from './checksum.js';

/** The SQLite dialect. */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  knexClient: 'better-sqlite3',
  knexConfig(url) {
    return {
      client: 'better-sqlite3',
      connection: { filename: url.connection.filename ?? ':memory:' },
      useNullAsDefault: true,
      // One connection: SQLite serialises writers anyway, and a single connection keeps
      // transactions from failing with SQLITE_BUSY inside one process.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma('busy_timeout = 10000');
            conn.pragma('synchronous = NORMAL');
            conn.pragma('foreign_keys = ON');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    };
  },
  quoteIdent(name) {
    return '"' + name.replace(/"/g, '""') + '"';
  },
  describeTable,
  values: sqliteValues,
  writes: sqliteWrites,
  bulkLoad: sqliteBulkLoad,
  keyset: sqliteKeyset,
  checksum: sqliteChecksum,
  withLock: withFileLock,
};

const STALE_LOCK_MS = 120_000;

/**
 * Cross-process lock for an SQLite database: an exclusive-create lock file beside it
 * (`file.db.<name>.lock`). A lock file older than two minutes is taken as stale.
 */
async function withFileLock<T>(knex: Knex, name: string, fn: () => Promise<T>): Promise<T> {
  const filename = (knex.client.config.connection as { filename?: string }).filename;
  if (!filename || filename === ':memory:') return fn();
  const lockPath = `${filename}.${name.replace(/[^a-z0-9_-]/gi, '_')}.lock`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) unlinkSync(lockPath);
      } catch {
        // removed by its owner meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out after 60 s waiting for lock file ${lockPath}`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}
