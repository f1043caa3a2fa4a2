/**
 * Database access for integration tests. Real servers only:
 * MariaDB at 127.0.0.1:3306 (root, empty password, database `test`) and PostgreSQL at
 * 127.0.0.1:5432 (postgres, trust, database `test`); override with SWITCHYARD_TEST_MYSQL_URL
 * and SWITCHYARD_TEST_POSTGRES_URL.
 *
 * With CI=true an unreachable database fails the suite; otherwise its tests are skipped
 * with a message saying why.
 */
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const MYSQL_URL = process.env['SWITCHYARD_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const POSTGRES_URL = process.env['SWITCHYARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when a TCP connection to host:port succeeds within 2 s. */
export function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol.startsWith('mysql') ? 3306 : 5432));
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves to true when the database can be used. Under CI=true an unreachable database
 * throws, so the test run fails instead of skipping.
 */
export async function requireDatabase(url: string): Promise<boolean> {
  const ok = await reachable(url);
  if (!ok && process.env['CI'] === 'true') throw new Error(`database ${new URL(url).host} is unreachable and CI=true: tests that need it must not skip`);
  if (!ok) console.warn(`skipping: database ${new URL(url).host} is unreachable`);
  return ok;
}

/** A fresh SQLite file URL in a temporary folder. */
export function tempSqliteUrl(name = 'test'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-'));
  return `sqlite://${path.join(dir, `${name}.db`)}`;
}

/** A table name unique to this test run, so parallel suites never collide. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}
