/**
 * SQLite table introspection from `pragma table_info`. SQLite has type affinity, not types:
 * the family comes from the declared type name (`DATETIME(3)`, `DECIMAL(12,2)`, `BOOLEAN`,
 * `JSON`, `UUID`, `BLOB`), as knex's schema builder writes them.
 */
import type { Knex } from 'knex';
import type { ColumnInfo, TableInfo, TypeFamily } from '../../introspect.js';

interface PragmaRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

function family(declared: string): TypeFamily {
  const t = declared.toLowerCase();
  if (/^(bool|boolean)/.test(t)) return 'boolean';
  if (/^(tinyint\(1\))/.test(t)) return 'boolean';
  if (/int/.test(t)) return 'integer';
  if (/^(decimal|numeric)/.test(t)) return 'decimal';
  if (/real|floa|doub/.test(t)) return 'float';
  if (/^timestamptz|with time zone/.test(t)) return 'timestamptz';
  if (/^(datetime|timestamp)/.test(t)) return 'datetime';
  if (/^date$/.test(t)) return 'date';
  if (/^time/.test(t)) return 'time';
  if (/^jsonb?$/.test(t)) return 'json';
  if (/^uuid/.test(t)) return 'uuid';
  if (/blob|binary/.test(t)) return 'binary';
  if (t === '' || /char|clob|text|enum/.test(t)) return 'string';
  return 'other';
}

/** Describes an SQLite table. */
export async function describeTable(knex: Knex, table: string): Promise<TableInfo | undefined> {
  const rows = (await knex.raw(`select name, type, "notnull", pk from pragma_table_info(?)`, [table])) as PragmaRow[];
  if (rows.length === 0) return undefined;
  const columns = rows.map((r): ColumnInfo => {
    const fam = family(r.type);
    const col: ColumnInfo = { name: r.name, nativeType: r.type.toLowerCase(), family: fam, nullable: r.notnull === 0 && r.pk === 0 };
    const args = /\((\d+)(?:\s*,\s*(\d+))?\)/.exec(r.type);
    if (fam === 'integer') col.intBytes = /big/i.test(r.type) ? 8 : /small/i.test(r.type) ? 2 : /tiny/i.test(r.type) ? 1 : 8;
    if (fam === 'decimal' && args) {
      col.precision = Number(args[1]);
      col.scale = Number(args[2] ?? 0);
    }
    if (fam === 'datetime' || fam === 'timestamptz' || fam === 'time') col.fractionalDigits = args ? Number(args[1]) : 3;
    if ((fam === 'string' || fam === 'binary') && args) col.maxLength = Number(args[1]);
    return col;
  });
  const primaryKey = rows.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk).map((r) => r.name);
  return { name: table, columns, primaryKey };
}
