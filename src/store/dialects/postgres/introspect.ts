/** PostgreSQL table introspection from information_schema and pg_index. */
import type { Knex } from 'knex';
import type { ColumnInfo, TableInfo, TypeFamily } from '../../introspect.js';

interface Row {
  name: string;
  dataType: string;
  udt: string;
  nullable: string;
  numPrecision: number | null;
  numScale: number | null;
  dtPrecision: number | null;
  charMax: number | null;
}

const INT_BYTES: Record<string, number> = { smallint: 2, integer: 4, bigint: 8 };

function family(dataType: string): TypeFamily {
  if (dataType in INT_BYTES) return 'integer';
  if (dataType === 'numeric') return 'decimal';
  if (dataType === 'real' || dataType === 'double precision') return 'float';
  if (dataType === 'boolean') return 'boolean';
  if (dataType === 'timestamp without time zone') return 'datetime';
  if (dataType === 'timestamp with time zone') return 'timestamptz';
  if (dataType === 'date') return 'date';
  if (dataType.startsWith('time')) return 'time';
  if (dataType === 'json' || dataType === 'jsonb') return 'json';
  if (dataType === 'bytea') return 'binary';
  if (dataType === 'uuid') return 'uuid';
  if (dataType === 'text' || dataType.startsWith('character')) return 'string';
  return 'other';
}

function splitName(table: string): [string | null, string] {
  const i = table.indexOf('.');
  return i < 0 ? [null, table] : [table.slice(0, i), table.slice(i + 1)];
}

/** Describes a PostgreSQL table (`name` or `schema.name`; default schema: current_schema()). */
export async function describeTable(knex: Knex, table: string): Promise<TableInfo | undefined> {
  const [schema, name] = splitName(table);
  const { rows } = (await knex.raw(
    `select column_name as name, data_type as "dataType", udt_name as udt, is_nullable as nullable,
            numeric_precision as "numPrecision", numeric_scale as "numScale", datetime_precision as "dtPrecision",
            character_maximum_length as "charMax"
       from information_schema.columns where table_schema = coalesce(?, current_schema()) and table_name = ? order by ordinal_position`,
    [schema, name],
  )) as { rows: Row[] };
  if (rows.length === 0) return undefined;
  const { rows: pkRows } = (await knex.raw(
    `select a.attname as name
       from pg_index i
       join pg_class c on c.oid = i.indrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indisprimary and c.relname = ? and n.nspname = coalesce(?, current_schema())
      order by array_position(i.indkey, a.attnum)`,
    [name, schema],
  )) as { rows: { name: string }[] };
  const columns = rows.map((r): ColumnInfo => {
    const fam = family(r.dataType);
    const nativeType = r.dataType === 'numeric' && r.numPrecision !== null ? `numeric(${r.numPrecision},${r.numScale})` : r.dataType === 'USER-DEFINED' ? r.udt : r.dataType;
    const col: ColumnInfo = { name: r.name, nativeType, family: fam, nullable: r.nullable === 'YES' };
    if (fam === 'integer') col.intBytes = INT_BYTES[r.dataType];
    if (fam === 'decimal' && r.numPrecision !== null) {
      col.precision = Number(r.numPrecision);
      col.scale = Number(r.numScale);
    }
    if (fam === 'datetime' || fam === 'timestamptz' || fam === 'time') col.fractionalDigits = Number(r.dtPrecision ?? 6);
    if (fam === 'string' && r.charMax !== null) col.maxLength = Number(r.charMax);
    if (fam === 'string' && r.dataType === 'character') col.fixedWidth = true;
    return col;
  });
  return { name: table, columns, primaryKey: pkRows.map((r) => r.name) };
}
