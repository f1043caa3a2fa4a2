/**
 * The control database: switchyard's own state, shared by the controller, proxies and the
 * reconciler. An SQLite file under `.switchyard/` by default; PostgreSQL when several
 * processes on several machines share it.
 */
import path from 'node:path';
import { openStore, type Store } from '../store/connect.js';
import { migrateControl } from './migrate.js';

/** The default control database: `.switchyard/control.db` in the working directory. */
export function defaultControlUrl(cwd: string = process.cwd()): string {
  return `sqlite://${path.join(cwd, '.switchyard', 'control.db')}`;
}

/** Options for {@link openControl}. */
export interface OpenControlOptions {
  /** Apply pending migrations first. Default true. */
  migrate?: boolean;
}

/** Opens the control database (default URL when none is given) and applies migrations. */
export async function openControl(url: string | undefined, options: OpenControlOptions = {}): Promise<Store> {
  const store = await openStore(url ?? defaultControlUrl(), { label: 'control', poolMax: 4 });
  if (options.migrate ?? true) {
    try {
      await migrateControl(store);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}
