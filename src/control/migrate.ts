/**
 * Applies the control-database migrations, guarded by the database's own lock
 * (pg_advisory_lock / GET_LOCK; SQLite serialises writers itself) so two processes
 * starting at once never race.
 */
import type { Knex } from 'knex';
import { CONTROL_MIGRATIONS, type ControlMigration } from '../../migrations/index.js';
import { fail } from '../errors.js';
import type { Store } from '../store/connect.js';

/** Result of one migration. */
export interface MigrationResult {
  /** Migration name. */
  name: string;
  /** Applied now, or already applied before. */
  status: 'applied' | 'already-applied';
}

const TABLE = 'sy_knex_migrations';
const LOCK_NAME = 'switchyard:control-migrations';

class StaticSource implements Knex.MigrationSource<readonly [string, ControlMigration]> {
  getMigrations(): Promise<Array<readonly [string, ControlMigration]>> {
    return Promise.resolve([...CONTROL_MIGRATIONS]);
  }
  getMigrationName(m: readonly [string, ControlMigration]): string {
    return m[0];
  }
  getMigration(m: readonly [string, ControlMigration]): Promise<Knex.Migration> {
    return Promise.resolve(m[1]);
  }
}

/** Applies every pending control-database migration. Safe to call from many processes at once. */
export async function migrateControl(store: Store): Promise<MigrationResult[]> {
  const config: Knex.MigratorConfig = {
    migrationSource: new StaticSource() as unknown as Knex.MigrationSource<unknown>,
    tableName: TABLE,
    // SQLite cannot run schema changes inside knex's transaction wrapper reliably with WAL;
    // the per-migration transaction is still used on MySQL/PostgreSQL.
    disableTransactions: store.dialect.name === 'sqlite',
  };
  try {
    return await store.dialect.withLock(store.knex, LOCK_NAME, async () => {
      const [, applied] = (await retryWhileLocked(() => store.knex.migrate.latest(config))) as [number, string[]];
      const appliedSet = new Set(applied);
      return CONTROL_MIGRATIONS.map(([name]) => ({ name, status: appliedSet.has(name) ? ('applied' as const) : ('already-applied' as const) }));
    });
  } catch (err) {
    throw fail('STORE_MIGRATION_FAILED', `control database ${store.url.redacted}: ${(err as Error).message}`, { cause: err });
  }
}

/** knex's own lock table fails fast ("already locked"); on SQLite wait and retry instead. */
async function retryWhileLocked<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!/already locked|SQLITE_BUSY/i.test((err as Error).message) || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}
