/** The dialect for each engine. */
import type { Dialect } from '../dialect.js';
import type { EngineName } from '../url.js';
import { mysqlDialect } from './mysql/index.js';
import { postgresDialect } from './postgres/index.js';
import { sqliteDialect } from './sqlite/index.js';

const DIALECTS: Record<EngineName, Dialect> = { mysql: mysqlDialect, postgres: postgresDialect, sqlite: sqliteDialect };

/** Looks up the dialect of an engine. */
export function dialectFor(engine: EngineName): Dialect {
  return DIALECTS[engine];
}
