/** SQL text shared by the dialects' upsert builders. */
import type { UpsertSpec } from './write-dialect.js';

/** `(?, ?, ?), (?, ?, ?)` for `rowCount` rows of `width` values. */
export function valuesPlaceholders(width: number, rowCount: number): string {
  const row = `(${new Array(width).fill('?').join(', ')})`;
  return new Array(rowCount).fill(row).join(', ');
}

/** Non-key columns of an upsert. */
export function nonKeyColumns(spec: UpsertSpec): string[] {
  const key = new Set(spec.key);
  return spec.columns.filter((c) => !key.has(c));
}

/** `INSERT ... ON CONFLICT (key) DO ...` as PostgreSQL and SQLite write it. `target` names the existing row. */
export function onConflictUpsert(spec: UpsertSpec, q: (s: string) => string, head: string, target: string, rowsSql: string): string {
  const keys = spec.key.map(q).join(', ');
  const sets = nonKeyColumns(spec);
  const insert = `${head} (${spec.columns.map(q).join(', ')}) ${rowsSql} ON CONFLICT (${keys})`;
  if (spec.guard.t === 'keep-target' || sets.length === 0) return `${insert} DO NOTHING`;
  const assign = sets.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ');
  if (spec.guard.t === 'overwrite') return `${insert} DO UPDATE SET ${assign}`;
  const v = q(spec.guard.column);
  return `${insert} DO UPDATE SET ${assign} WHERE ${target}.${v} IS NULL OR EXCLUDED.${v} ${spec.guard.allowEqual ? '>=' : '>'} ${target}.${v}`;
}
