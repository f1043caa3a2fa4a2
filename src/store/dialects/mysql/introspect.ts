/** MySQL/MariaDB table introspection from information_schema. */
import type { Knex } from 'knex';
import type { ColumnInfo, TableInfo, TypeFamily } from '../../introspect.js';

interface Row {
  name: string;
  dataType: string;
  columnType: string;
  nullable: string;
  numPrecision: number | null;
  numScale: number | null;
  dtPrecision: number | null;
  charMax: number | null;
}

const INT_BYTES: Record<string, number> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8 };

function family(dataType: string, columnType: string, jsonColumns: Set<string>, name: string): TypeFamily {
  if (jsonColumns.has(name) || dataType === 'json') return 'json';
  if (dataType === 'tinyint' && /^tinyint\(1\)/.test(columnType)) return 'boolean';
  if (dataType === 'bit' && /^bit\(1\)/.test(columnType)) return 'boolean';
  if (dataType in INT_BYTES) return 'integer';
  if (dataType === 'decimal' || dataType === 'numeric') return 'decimal';
  if (dataType === 'float' || dataType === 'double' || dataType === 'real') return 'float';
  if (dataType === 'datetime') return 'datetime';
  if (dataType === 'timestamp') return 'timestamptz';
  if (dataType === 'date') return 'date';
  if (dataType === 'time') return 'time';
  if (dataType === 'uuid') return 'uuid';
  if (/char|text|enum|set/.test(dataType)) return 'string';
  if (/binary|blob/.test(dataType)) return 'binary';
  return 'other';
}

/** Describes a MySQL/MariaDB table in the connection's current database. */
export async function describeTable(knex: Knex, table: string): Promise<TableInfo | undefined> {
  const [rows] = (await knex.raw(
    `select COLUMN_NAME as name, DATA_TYPE as dataType, COLUMN_TYPE as columnType, IS_NULLABLE as nullable,
            NUMERIC_PRECISION as numPrecision, NUMERIC_SCALE as numScale, DATETIME_PRECISION as dtPrecision,
            CHARACTER_MAXIMUM_LENGTH as charMax
       from information_schema.COLUMNS where TABLE_SCHEMA = database() and TABLE_NAME = ? order by ORDINAL_POSITION`,
    [table],
  )) as [Row[]];
  if (rows.length === 0) return undefined;
  const [pkRows] = (await knex.raw(
    `select COLUMN_NAME as name from information_schema.KEY_COLUMN_USAGE
      where TABLE_SCHEMA = database() and TABLE_NAME = ? and CONSTRAINT_NAME = 'PRIMARY' order by ORDINAL_POSITION`,
    [table],
  )) as [{ name: string }[]];
  // MariaDB stores JSON as LONGTEXT with a json_valid() check constraint.
  const jsonColumns = new Set<string>();
  try {
    const [checks] = (await knex.raw(
      `select CHECK_CLAUSE as clause from information_schema.CHECK_CONSTRAINTS where CONSTRAINT_SCHEMA = database() and TABLE_NAME = ?`,
      [table],
    )) as [{ clause: string }[]];
    for (const c of checks) {
      const m = /json_valid\(`?([^`)]+)`?\)/i.exec(c.clause);
      if (m?.[1]) jsonColumns.add(m[1]);
    }
  } catch {
    // MySQL < 8.0.16 has no CHECK_CONSTRAINTS; its JSON columns report data type "json".
  }
  const columns = rows.map((r): ColumnInfo => {
    const dataType = r.dataType.toLowerCase();
    const columnType = r.columnType.toLowerCase();
    const fam = family(dataType, columnType, jsonColumns, r.name);
    const col: ColumnInfo = { name: r.name, nativeType: columnType, family: fam, nullable: r.nullable === 'YES' };
    if (fam === 'integer') {
      col.intBytes = INT_BYTES[dataType];
      col.unsigned = columnType.includes('unsigned');
    }
    if (fam === 'decimal') {
      col.precision = Number(r.numPrecision);
      col.scale = Number(r.numScale);
    }
    if (fam === 'datetime' || fam === 'timestamptz' || fam === 'time') col.fractionalDigits = Number(r.dtPrecision ?? 0);
    if ((fam === 'string' || fam === 'binary') && r.charMax !== null) col.maxLength = Number(r.charMax);
    if (fam === 'string' && dataType === 'char') col.fixedWidth = true;
    return col;
  });
  return { name: table, columns, primaryKey: pkRows.map((r) => r.name) };
}
