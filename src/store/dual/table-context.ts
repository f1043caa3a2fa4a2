/**
 * A logical table as the dual writer and relay use it: both sides resolved (lazily), the key,
 * and cached converters between the sides' column types.
 */
import { compileConverter, type Converter } from '../convert.js';
import type { Store } from '../connect.js';
import type { ColumnInfo } from '../introspect.js';
import { dateTimeFromMs, type Neutral } from '../neutral.js';
import { mappingKey, resolveSide, type ResolvedSide, type TableMapping } from './mapping.js';
import type { Side } from './modes.js';

/** Turns an application value into the neutral form of a column's family (unchecked). */
export function fromApp(col: ColumnInfo, v: unknown): Neutral {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    const t = dateTimeFromMs(v.getTime());
    return col.family === 'date' ? t.slice(0, 10) : col.family === 'datetime' || col.family === 'timestamptz' ? t : v.toISOString();
  }
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return col.family === 'integer' && Number.isSafeInteger(v) ? BigInt(v) : col.family === 'decimal' ? String(v) : v;
  if (typeof v === 'string') return col.family === 'integer' && /^\s*-?\d+\s*$/.test(v) ? BigInt(v) : v;
  return JSON.stringify(v);
}

const SIDE_IDS = new WeakMap<ResolvedSide, number>();
let nextSideId = 1;
function sideId(s: ResolvedSide): number {
  let id = SIDE_IDS.get(s);
  if (id === undefined) SIDE_IDS.set(s, (id = nextSideId++));
  return id;
}

/** A logical table bound to the two stores. */
export class TableContext {
  private readonly sides = new Map<Side, Promise<ResolvedSide>>();
  private readonly converters = new Map<string, Converter>();
  /** Key columns (logical), known once a side is resolved. */
  key: readonly string[] = [];

  constructor(
    readonly mapping: TableMapping,
    private readonly stores: Record<Side, Store>,
  ) {}

  /** Resolves (once) and returns a side. */
  async side(side: Side): Promise<ResolvedSide> {
    let p = this.sides.get(side);
    if (!p) {
      p = resolveSide(this.stores[side], this.mapping, side).then((r) => {
        if (this.key.length === 0) this.key = mappingKey(this.mapping, r, side);
        for (const k of this.key) r.column(k);
        if (this.mapping.versionColumn) r.column(this.mapping.versionColumn);
        return r;
      });
      p.catch(() => this.sides.delete(side));
      this.sides.set(side, p);
    }
    return p;
  }

  /** Converter of a logical column's values from one side's type to the other's. */
  converter(from: ResolvedSide, to: ResolvedSide, logical: string): Converter {
    const id = `${sideId(from)}>${sideId(to)}:${logical}`;
    let c = this.converters.get(id);
    if (!c) {
      // Values on the relay path were checked against the source column when written.
      c = compileConverter(from.column(logical), to.column(logical), { trustSource: from !== to });
      this.converters.set(id, c);
    }
    return c;
  }
}
