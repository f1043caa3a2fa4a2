/**
 * Datastore URLs: `mysql://user:pass@host:3306/db`, `postgres://user@host:5432/db`,
 * `sqlite:///abs/path/file.db` (or `sqlite://relative/file.db`, `sqlite::memory:`).
 * A URL may be given as `env:NAME` to read it from the environment variable NAME.
 * Credentials never leave this module except inside the driver configuration:
 * {@link redactUrl} is what logs, reports and errors show.
 */
import path from 'node:path';
import { fail } from '../errors.js';

/** The supported engines. */
export type EngineName = 'mysql' | 'postgres' | 'sqlite';

/** A parsed datastore URL. */
export interface StoreUrl {
  /** The engine. */
  engine: EngineName;
  /** The URL with its password replaced by `***` — safe to print. */
  redacted: string;
  /** Driver connection settings (contain the password; never log these). */
  connection: { host?: string; port?: number; user?: string; password?: string; database?: string; filename?: string; ssl?: boolean };
}

/** Resolves `env:NAME` to the variable's value; other strings pass through. */
export function resolveUrlReference(value: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!value.startsWith('env:')) return value;
  const name = value.slice(4);
  const v = env[name];
  if (!v) throw fail('STORE_BAD_URL', `environment variable ${name} is not set`, { hint: `export ${name}=mysql://user:pass@host/db` });
  return v;
}

/** Replaces the password in a URL with `***`. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z0-9+]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Parses a datastore URL. Throws STORE_BAD_URL naming what is wrong (without the password). */
export function parseStoreUrl(input: string, env: NodeJS.ProcessEnv = process.env): StoreUrl {
  const raw = resolveUrlReference(input.trim(), env);
  const redacted = redactUrl(raw);
  if (raw === 'sqlite::memory:') return { engine: 'sqlite', redacted, connection: { filename: ':memory:' } };
  if (raw.startsWith('sqlite:')) {
    const rest = raw.replace(/^sqlite:(\/\/)?/, '');
    if (!rest) throw fail('STORE_BAD_URL', `${redacted}: no file path`, { hint: 'use sqlite:///absolute/path.db or sqlite://relative/path.db' });
    return { engine: 'sqlite', redacted, connection: { filename: path.resolve(decodeURIComponent(rest.split('?')[0]!)) } };
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw fail('STORE_BAD_URL', `"${redacted}" is not a URL`, { hint: 'expected mysql://, postgres:// or sqlite://' });
  }
  const scheme = u.protocol.replace(/:$/, '');
  const engine: EngineName | undefined = scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : undefined;
  if (!engine) throw fail('STORE_BAD_URL', `${redacted}: unsupported scheme "${scheme}"`, { hint: 'expected mysql://, postgres:// or sqlite://' });
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw fail('STORE_BAD_URL', `${redacted}: no database name in the path`);
  const ssl = ['true', 'require', '1'].includes(u.searchParams.get('ssl') ?? u.searchParams.get('sslmode') ?? '');
  return {
    engine,
    redacted,
    connection: {
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || (engine === 'mysql' ? 3306 : 5432)),
      user: decodeURIComponent(u.username) || (engine === 'mysql' ? 'root' : 'postgres'),
      password: decodeURIComponent(u.password) || undefined,
      database,
      ssl,
    },
  };
}
