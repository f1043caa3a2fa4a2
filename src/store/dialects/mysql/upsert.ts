/** MySQL/MariaDB upserts: `INSERT ... ON DUPLICATE KEY UPDATE` with a version guard. */
import type { DialectWrites, UpsertSpec } from '../../write-dialect.js';
import { nonKeyColumns, valuesPlaceholders } from '../../upsert-sql.js';

const q = (name: string): string => '`' + name.replace(/`/g, '``') + '`';

function upsertSql(spec: UpsertSpec, rowCount: number): string {
  const head = `INSERT INTO ${q(spec.table)} (${spec.columns.map(q).join(', ')}) VALUES ${valuesPlaceholders(spec.columns.length, rowCount)} ON DUPLICATE KEY UPDATE `;
  const sets = nonKeyColumns(spec);
  const firstKey = q(spec.key[0]!);
  // A no-op assignment keeps the existing row (INSERT IGNORE would also hide data errors).
  if (spec.guard.t === 'keep-target' || sets.length === 0) return `${head}${firstKey} = ${firstKey}`;
  if (spec.guard.t === 'overwrite') return head + sets.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ');
  // Assignments run left to right and see earlier ones, so the version column goes last.
  const version = spec.guard.column;
  const v = q(version);
  const cond = `(${v} IS NULL OR VALUES(${v}) ${spec.guard.allowEqual ? '>=' : '>'} ${v})`;
  const ordered = [...sets.filter((c) => c !== version), ...sets.filter((c) => c === version)];
  return head + ordered.map((c) => `${q(c)} = IF(${cond}, VALUES(${q(c)}), ${q(c)})`).join(', ');
}

/** Write SQL for MySQL/MariaDB. InnoDB row and gap locks already serialise writes to one key. */
export const mysqlWrites: DialectWrites = {
  maxBindings: 60_000,
  multiStatement: true,
  upsertSql,
  async lockKeys() {},
};
