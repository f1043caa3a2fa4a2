/**
 * The SQL one side of a table pair runs: checksums of key ranges (plain or grouped into
 * integer buckets), segment bounds, bisection cut points, row fetches and key lookups.
 * Everything engine-specific comes from the dialect's `checksum.ts`.
 */
import type { ChecksumSql, KeyColumnSql, KeyTuple, SqlFragment } from '../store/canonical.js';
import type { ColumnInfo } from '../store/introspect.js';
import type { Store } from '../store/connect.js';
import type { ColumnPlan } from './plan.js';

/**
 * A key range: keys after `after` (exclusive) and through `through` (inclusive); open when
 * absent. `within` is the range it was cut from: its bounds apply too, so a sub-range never
 * holds a row its parent did not on either side, even where the two engines order keys
 * differently (collations).
 */
export interface KeyRange {
  after?: KeyTuple;
  through?: KeyTuple;
  within?: KeyRange;
}

/** Which side. */
export type SideName = 'legacy' | 'next';

/** Everything needed to build one side's SQL. */
export interface SideSql {
  readonly name: SideName;
  readonly store: Store;
  readonly sql: ChecksumSql;
  /** Quoted table reference. */
  readonly table: string;
  readonly keyCols: readonly KeyColumnSql[];
  /** Quoted key columns, comma-joined (ORDER BY). */
  readonly keyOrder: string;
  /** Hash input (one text per row). */
  readonly rowText: string;
  /** User `where` and updated-at bound. */
  readonly filter: SqlFragment | undefined;
  /** The user `where` only (scope flag of looked-up rows). */
  readonly userWhere: SqlFragment | undefined;
  /** The updated-at bound only (recent flag of looked-up rows). */
  readonly updatedBound: SqlFragment | undefined;
  /** Select list of fetched rows: k0.., v0.. (compare value per column), f0.. (raw floats). */
  readonly fetchList: string;
  /** Select list for in-Node JSON hashing: k0.., j0... */
  readonly jsonList: string | undefined;
}

/** Builds a side's SQL pieces from the plan. */
export function createSideSql(args: {
  name: SideName;
  store: Store;
  table: string;
  key: readonly ColumnPlan[];
  columns: readonly ColumnPlan[];
  where: string | undefined;
  updatedAt: { column: ColumnInfo; cutoffUtc: string } | undefined;
}): SideSql {
  const { store, name } = args;
  const d = store.dialect;
  const sql = d.checksum;
  const q = (c: string): string => d.quoteIdent(c);
  const col = (p: ColumnPlan): ColumnInfo => p[name];
  const keyCols: KeyColumnSql[] = args.key.map((p) => ({ sql: q(col(p).name), column: col(p), spec: p.spec }));
  const canon = (p: ColumnPlan): string => sql.canonical(q(col(p).name), col(p), p.spec);
  /** The row-text pieces of one column (flat, so the engine builds the row text in one concatenation). */
  const encode = (p: ColumnPlan): string[] => {
    const c = canon(p);
    const lengthPrefixed = p.spec.t === 'string' || p.spec.t === 'text' || p.spec.t === 'json';
    const pieces = lengthPrefixed ? [sql.charLength(c), "':'", c] : [c];
    // A NOT NULL column's canonical text is never NULL: no COALESCE needed (cheaper per row).
    if (!col(p).nullable) return pieces;
    return [`COALESCE(${pieces.length > 1 ? sql.concat(pieces) : c}, 'N')`];
  };
  const hashed = [...args.key, ...args.columns.filter((c) => c.hashed === 'in-database')];
  const parts: string[] = [];
  hashed.forEach((p, i) => {
    if (i > 0) parts.push("'|'");
    parts.push(...encode(p));
  });
  const userWhere = args.where ? { sql: `(${args.where})`, bindings: [] } : undefined;
  const updatedBound = args.updatedAt
    ? (() => {
        const u = args.updatedAt;
        const f = sql.timestampAtMost(q(u.column.name), u.column, u.cutoffUtc);
        return { sql: `(${q(u.column.name)} IS NULL OR ${f.sql})`, bindings: f.bindings };
      })()
    : undefined;
  const keySel = args.key.map((p, i) => `${canon(p)} AS k${i}`);
  const valueSel = args.columns.map((p, i) => `${p.spec.t === 'json' ? d.values.selectExpr(col(p), q(col(p).name)) : canon(p)} AS v${i}`);
  const floatSel = args.columns.flatMap((p, i) => (p.spec.t === 'float' ? [`${q(col(p).name)} AS f${i}`] : []));
  const jsonCols = args.columns.filter((c) => c.hashed === 'in-node');
  return {
    name,
    store,
    sql,
    table: q(args.table),
    keyCols,
    keyOrder: keyCols.map((k) => k.sql).join(', '),
    rowText: sql.concat(parts),
    filter: and([userWhere, updatedBound]),
    userWhere,
    updatedBound,
    fetchList: [...keySel, ...valueSel, ...floatSel].join(', '),
    jsonList: jsonCols.length ? [...keySel, ...jsonCols.map((p, i) => `${d.values.selectExpr(col(p), q(col(p).name))} AS j${i}`)].join(', ') : undefined,
  };
}

/** ANDs fragments (undefined ones skipped). */
export function and(parts: ReadonlyArray<SqlFragment | undefined>): SqlFragment | undefined {
  const present = parts.filter((p): p is SqlFragment => p !== undefined && p.sql !== '');
  if (!present.length) return undefined;
  return { sql: present.map((p) => p.sql).join(' AND '), bindings: present.flatMap((p) => p.bindings) };
}

/** ORs fragments. */
export function or(parts: readonly SqlFragment[]): SqlFragment {
  return { sql: `(${parts.map((p) => `(${p.sql})`).join(' OR ')})`, bindings: parts.flatMap((p) => p.bindings) };
}

/** The predicate for a key range on this side (undefined when unbounded). */
export function rangeSql(s: SideSql, r: KeyRange): SqlFragment | undefined {
  return and([r.after ? s.sql.keyAfter(s.keyCols, r.after) : undefined, r.through ? s.sql.keyThrough(s.keyCols, r.through) : undefined, r.within ? rangeSql(s, r.within) : undefined]);
}

/** ` WHERE ...` for fragments (empty string when none). */
export function whereClause(parts: ReadonlyArray<SqlFragment | undefined>): SqlFragment {
  const f = and(parts);
  return f ? { sql: ` WHERE ${f.sql}`, bindings: f.bindings } : { sql: '', bindings: [] };
}
