/**
 * Logical table mappings: one logical table, a physical table on each side, column names per
 * side, key columns and an optional version column. Resolved once against both stores'
 * introspection, so every write is checked against real column types.
 */
import { z } from 'zod';
import { fail } from '../../errors.js';
import type { Store } from '../connect.js';
import { findColumn, type ColumnInfo, type TableInfo } from '../introspect.js';
import type { Side } from './modes.js';

const IDENT = z.string().min(1).max(255);

/** Schema of a {@link TableMapping} (validated at the edge). */
export const TABLE_MAPPING_SCHEMA = z
  .object({
    name: IDENT,
    legacyTable: IDENT.optional(),
    nextTable: IDENT.optional(),
    key: z.array(IDENT).min(1).optional(),
    columns: z.record(IDENT, z.object({ legacy: IDENT.optional(), next: IDENT.optional() }).strict()).optional(),
    versionColumn: IDENT.optional(),
  })
  .strict();

/** A logical table written through a DualWriter. */
export interface TableMapping {
  /** Logical name, used in write calls. */
  name: string;
  /** Physical table in the legacy store. Default: `name`. */
  legacyTable?: string;
  /** Physical table in the next store. Default: `name`. */
  nextTable?: string;
  /** Key columns (logical names). Default: the primary key of the legacy table. */
  key?: string[];
  /** Physical column names per side for logical columns that are named differently. Default: none (same names). */
  columns?: Record<string, { legacy?: string; next?: string }>;
  /**
   * A version or updated-at column (logical name) that grows on every write. When set, the
   * relay and backfill never replace a row whose version is newer than the one they carry.
   * Default: none (order alone protects writes; backfill then only inserts missing rows).
   */
  versionColumn?: string;
}

/** One side of a resolved mapping. */
export interface ResolvedSide {
  /** Physical table. */
  table: string;
  /** Its introspection. */
  info: TableInfo;
  /** Physical column for a logical one; throws STORE_UNKNOWN_COLUMN. */
  column(logical: string): ColumnInfo;
}

/** Validates a mapping's shape (names, key), throwing INVALID_ARGUMENT with the field path. */
export function parseMapping(input: unknown, path = 'tables'): TableMapping {
  const r = TABLE_MAPPING_SCHEMA.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw fail('INVALID_ARGUMENT', `${path}.${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data as TableMapping;
}

/** Physical column name of a logical column on a side. */
export function physicalColumn(m: TableMapping, side: Side, logical: string): string {
  return m.columns?.[logical]?.[side] ?? logical;
}

/** Resolves one side of a mapping by introspecting its table. */
export async function resolveSide(store: Store, m: TableMapping, side: Side): Promise<ResolvedSide> {
  const table = (side === 'legacy' ? m.legacyTable : m.nextTable) ?? m.name;
  const info = await store.dialect.describeTable(store.knex, table);
  if (!info) throw fail('STORE_UNKNOWN_TABLE', `table "${table}" does not exist in ${side} (${store.url.redacted})`, { details: { table, side } });
  const cache = new Map<string, ColumnInfo>();
  return {
    table,
    info,
    column(logical) {
      let c = cache.get(logical);
      if (!c) {
        const physical = physicalColumn(m, side, logical);
        c = findColumn(info, physical);
        if (!c) throw fail('STORE_UNKNOWN_COLUMN', `column "${physical}" does not exist in ${side} table "${table}" (logical table ${m.name})`, { details: { table, side, column: physical } });
        cache.set(logical, c);
      }
      return c;
    },
  };
}

/** The key columns of a mapping (given, or the side's primary key). Throws STORE_NO_KEY. */
export function mappingKey(m: TableMapping, side: ResolvedSide, sideName: Side): string[] {
  if (m.key?.length) return m.key;
  if (side.info.primaryKey.length === 0) {
    throw fail('STORE_NO_KEY', `table "${side.table}" in ${sideName} has no primary key and the mapping for ${m.name} names none`, { hint: 'set key: [column, ...] in the table mapping' });
  }
  const byPhysical = new Map(Object.entries(m.columns ?? {}).map(([logical, p]) => [p[sideName] ?? logical, logical]));
  return side.info.primaryKey.map((pk) => byPhysical.get(pk) ?? pk);
}
