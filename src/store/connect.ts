/**
 * Opens a datastore by URL: the one way every part of switchyard gets a knex instance.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { SwitchyardError, fail } from '../errors.js';
import type { Dialect } from './dialect.js';
import { dialectFor } from './dialects/index.js';
import { parseStoreUrl, type StoreUrl } from './url.js';

// knex prints pool warnings to the console; failures reach the caller as errors instead.
const QUIET_KNEX_LOG = { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined };

/** An open datastore. */
export interface Store {
  /** The knex instance (pooled). */
  readonly knex: Knex;
  /** What differs for this engine. */
  readonly dialect: Dialect;
  /** The parsed URL; `url.redacted` is safe to print. */
  readonly url: StoreUrl;
  /** A label for logs and reports: `legacy`, `next`, `control`, or the redacted URL. */
  readonly label: string;
  /** Closes the pool. */
  close(): Promise<void>;
}

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** Label used in logs and errors. Default: the redacted URL. */
  label?: string;
  /** Largest pool size. Default 8 (SQLite always 1). */
  poolMax?: number;
  /** Check the connection before returning. Default true. */
  verify?: boolean;
}

/**
 * Opens a store. With `verify` (the default) runs `select 1` so an unreachable database
 * fails here with STORE_UNREACHABLE naming it (never its password).
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const parsed = parseStoreUrl(url);
  const dialect = dialectFor(parsed.engine);
  if (parsed.engine === 'sqlite' && parsed.connection.filename && parsed.connection.filename !== ':memory:') {
    mkdirSync(path.dirname(parsed.connection.filename), { recursive: true });
  }
  const knex = knexFactory({ ...dialect.knexConfig(parsed, { poolMax: options.poolMax ?? 8 }), log: QUIET_KNEX_LOG });
  const label = options.label ?? parsed.redacted;
  const store: Store = { knex, dialect, url: parsed, label, close: () => knex.destroy() };
  if (options.verify ?? true) {
    try {
      await knex.raw('select 1');
    } catch (err) {
      await knex.destroy().catch(() => undefined);
      throw fail('STORE_UNREACHABLE', `${label} (${parsed.redacted}) is unreachable: ${scrub((err as Error).message, parsed)}`, {
        cause: err instanceof SwitchyardError ? err : undefined,
        details: { store: label, url: parsed.redacted },
      });
    }
  }
  return store;
}

/** Removes the password from a driver's error message. */
export function scrub(message: string, url: StoreUrl): string {
  const pw = url.connection.password;
  return pw ? message.split(pw).join('***') : message;
}
