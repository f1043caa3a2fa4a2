/** Engine-neutral description of a table, filled in by each dialect's `introspect.ts`. */

/**
 * The type family of a column: what the engines agree a value means, used for conversion
 * (backfill) and canonical text (reconcile).
 */
export type TypeFamily =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'string'
  | 'datetime' // without time zone (MySQL DATETIME, PostgreSQL timestamp)
  | 'timestamptz' // an instant (MySQL TIMESTAMP, PostgreSQL timestamptz)
  | 'date'
  | 'time'
  | 'json'
  | 'binary'
  | 'uuid'
  | 'other';

/** One column. */
export interface ColumnInfo {
  /** Column name as stored. */
  name: string;
  /** The engine's own type, e.g. `decimal(12,2)`, `datetime(3)`, `timestamp with time zone`. */
  nativeType: string;
  /** Engine-neutral family. */
  family: TypeFamily;
  /** NULL allowed. */
  nullable: boolean;
  /** Integer: byte width (1, 2, 3, 4, 8) when known. */
  intBytes?: number;
  /** Integer: unsigned (MySQL only). */
  unsigned?: boolean;
  /** Decimal: total digits. */
  precision?: number;
  /** Decimal: digits after the point. */
  scale?: number;
  /** Datetime/timestamptz/time: fractional-second digits (0–6). */
  fractionalDigits?: number;
  /** String/binary: maximum length, when bounded. */
  maxLength?: number;
  /** String: fixed-width CHAR (pads with spaces). */
  fixedWidth?: boolean;
}

/** A table's columns (in ordinal order) and its primary key. */
export interface TableInfo {
  /** Table name. */
  name: string;
  /** Columns in ordinal order. */
  columns: ColumnInfo[];
  /** Primary-key column names in key order (empty when the table has none). */
  primaryKey: string[];
}

/** Finds a column by name, case-insensitively. */
export function findColumn(table: TableInfo, name: string): ColumnInfo | undefined {
  return table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}
