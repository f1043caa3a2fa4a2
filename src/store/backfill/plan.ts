/**
 * A backfill plan: the source and target tables, the key, the column pairs with their
 * converters, the keyset SELECT, and the row conversion that names table, key and column
 * when a value does not fit.
 */
import { fail } from '../../errors.js';
import type { Store } from '../connect.js';
import { compileConverter, isWidening, type Converter } from '../convert.js';
import { findColumn, type ColumnInfo } from '../introspect.js';
import { CANONICAL_DATETIME, NotRepresentable, type Neutral } from '../neutral.js';
import type { TypeFamily } from '../introspect.js';
import { encodePayload, decodePayload } from '../dual/payload.js';
import type { UpsertGuard } from '../write-dialect.js';

const PASSTHROUGH = new Set<TypeFamily>(['integer', 'decimal', 'string', 'datetime']);

/** What the backfill does with a key that already exists on the target. */
export type ConflictPolicy = 'newer-version' | 'keep-target' | 'overwrite';

/** A checked plan. */
export interface BackfillPlan {
  sourceTable: string;
  targetTable: string;
  /** Key columns (source names, in order). */
  key: string[];
  /** Source and target columns, pairwise. */
  source: ColumnInfo[];
  target: ColumnInfo[];
  guard: UpsertGuard;
  /** SELECT of one chunk after `after` (undefined: from the start). */
  chunkSql(after: boolean, limit: number): string;
  /** Bind values for the keyset condition after a key. */
  afterBindings(lastKey: Neutral[]): unknown[];
  /** Converts one source row (driver values) into target bind values. */
  convertRow(raw: unknown[]): unknown[];
  /** The neutral key of a source row. */
  keyOf(raw: unknown[]): Neutral[];
  keyJson(key: Neutral[]): string;
  parseKey(json: string): Neutral[];
}

/** Inputs of {@link planBackfill}. */
export interface PlanInput {
  source: Store;
  target: Store;
  sourceTable: string;
  targetTable: string;
  key?: readonly string[];
  columns?: readonly string[];
  versionColumn?: string;
  onConflict?: ConflictPolicy;
}

/** Introspects both tables and builds the plan. Throws STORE_* errors naming what does not fit. */
export async function planBackfill(i: PlanInput): Promise<BackfillPlan> {
  const src = await i.source.dialect.describeTable(i.source.knex, i.sourceTable);
  if (!src) throw fail('STORE_UNKNOWN_TABLE', `table "${i.sourceTable}" does not exist in the source (${i.source.url.redacted})`, { details: { table: i.sourceTable } });
  const tgt = await i.target.dialect.describeTable(i.target.knex, i.targetTable);
  if (!tgt) throw fail('STORE_UNKNOWN_TABLE', `table "${i.targetTable}" does not exist in the target (${i.target.url.redacted})`, { details: { table: i.targetTable }, hint: 'create the table on the target first (backfill copies rows, not schema)' });
  const key = i.key?.length ? [...i.key] : src.primaryKey;
  if (key.length === 0) throw fail('STORE_NO_KEY', `table "${i.sourceTable}" has no primary key`, { hint: 'pass --key col[,col...] naming a unique, non-null key' });
  const names = i.columns?.length ? [...i.columns] : src.columns.map((c) => c.name);
  for (const k of key) if (!names.some((n) => n.toLowerCase() === k.toLowerCase())) names.unshift(k);
  const source: ColumnInfo[] = [];
  const target: ColumnInfo[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const s = findColumn(src, n);
    if (!s) throw fail('STORE_UNKNOWN_COLUMN', `column "${n}" does not exist in source table "${i.sourceTable}"`, { details: { table: i.sourceTable, column: n } });
    const t = findColumn(tgt, n);
    if (!t) missing.push(n);
    else {
      source.push(s);
      target.push(t);
    }
  }
  if (missing.length) {
    throw fail('STORE_INCOMPATIBLE_COLUMNS', `target table "${i.targetTable}" has no column ${missing.map((m) => `"${m}"`).join(', ')} (source "${i.sourceTable}")`, { details: { table: i.targetTable, columns: missing }, hint: 'add the columns on the target, or list the columns to copy with --columns' });
  }
  const converters: Converter[] = source.map((s, j) => {
    try {
      return compileConverter(s, target[j]!, { trustSource: i.source.dialect.values.enforcesTypes });
    } catch (err) {
      throw fail('STORE_INCOMPATIBLE_COLUMNS', `${i.sourceTable}.${s.name} → ${i.targetTable}: ${(err as Error).message}`, { details: { table: i.sourceTable, column: s.name } });
    }
  });
  const keyIdx = key.map((k) => source.findIndex((c) => c.name.toLowerCase() === k.toLowerCase()));
  const versionIdx = i.versionColumn ? source.findIndex((c) => c.name.toLowerCase() === i.versionColumn!.toLowerCase()) : -1;
  if (i.versionColumn && versionIdx < 0) throw fail('STORE_UNKNOWN_COLUMN', `version column "${i.versionColumn}" is not copied from "${i.sourceTable}"`);
  const policy: ConflictPolicy = i.onConflict ?? (i.versionColumn ? 'newer-version' : 'keep-target');
  if (policy === 'newer-version' && versionIdx < 0) throw fail('INVALID_ARGUMENT', 'onConflict "newer-version" needs a version column', { hint: 'pass --version-column NAME or --on-conflict keep-target' });
  const guard: UpsertGuard = policy === 'newer-version' ? { t: 'version', column: target[versionIdx]!.name, allowEqual: false } : policy === 'overwrite' ? { t: 'overwrite' } : { t: 'keep-target' };

  const sq = (n: string): string => i.source.dialect.quoteIdent(n);
  const selectList = source.map((c, j) => `${i.source.dialect.values.selectExpr(c, sq(c.name))} AS ${sq(`c${j}`)}`).join(', ');
  const keyCols = keyIdx.map((j) => source[j]!);
  const orderBy = keyCols.map((c) => sq(c.name)).join(', ');
  // (a > ?) OR (a = ? AND b > ?) ..., led by a >= ? so the range uses the index on every engine.
  const disjuncts = keyCols.map((c, j) => [...keyCols.slice(0, j).map((p) => `${sq(p.name)} = ?`), `${sq(c.name)} > ?`].join(' AND '));
  const afterCond = keyCols.length === 1 ? `${sq(keyCols[0]!.name)} > ?` : `${sq(keyCols[0]!.name)} >= ? AND ((${disjuncts.join(') OR (')}))`;
  const from = `SELECT ${selectList} FROM ${sq(i.sourceTable)}`;
  const decoders = source.map((c) => (raw: unknown) => i.source.dialect.values.decode(c, raw));

  const keyOf = (raw: unknown[]): Neutral[] => keyIdx.map((j) => decoders[j]!(raw[j]));
  // Widening columns read from an engine that enforces its types need no decode or check:
  // their driver text is already neutral (the target's own encode checks still run).
  const passthrough = source.map((c, j) => i.source.dialect.values.enforcesTypes && isWidening(c, target[j]!) && PASSTHROUGH.has(c.family));
  const convertRow = (raw: unknown[]): unknown[] => {
    const out = new Array<unknown>(raw.length);
    for (let j = 0; j < raw.length; j++) {
      try {
        const v = raw[j];
        if (passthrough[j] && typeof v === 'string' && (source[j]!.family !== 'datetime' || CANONICAL_DATETIME.test(v))) out[j] = i.target.dialect.values.encode(target[j]!, v);
        else out[j] = i.target.dialect.values.encode(target[j]!, converters[j]!(decoders[j]!(v)));
      } catch (err) {
        if (!(err instanceof NotRepresentable)) throw err;
        const keyText = keyIdx.map((k) => `${source[k]!.name}=${String(raw[k])}`).join(', ');
        throw fail('STORE_VALUE_NOT_REPRESENTABLE', `table ${i.sourceTable}, key (${keyText}), column ${source[j]!.name}: ${err.reason}`, {
          details: { table: i.sourceTable, key: Object.fromEntries(keyIdx.map((k) => [source[k]!.name, String(raw[k])])), column: source[j]!.name, targetTable: i.targetTable },
          hint: 'change the target column type, or fix the source row; nothing was rounded or truncated',
        });
      }
    }
    return out;
  };
  return {
    sourceTable: i.sourceTable,
    targetTable: i.targetTable,
    key: keyCols.map((c) => c.name),
    source,
    target,
    guard,
    chunkSql: (after, limit) => `${from}${after ? ` WHERE ${afterCond}` : ''} ORDER BY ${orderBy} LIMIT ${Math.floor(limit)}`,
    afterBindings(lastKey) {
      const enc = lastKey.map((v, j) => i.source.dialect.values.encode(keyCols[j]!, v));
      if (keyCols.length === 1) return enc;
      const out: unknown[] = [enc[0]];
      keyCols.forEach((_, j) => out.push(...enc.slice(0, j + 1)));
      return out;
    },
    convertRow,
    keyOf,
    keyJson: (k) => encodePayload(k),
    parseKey: (json) => decodePayload(json) as unknown as Neutral[],
  };
}
