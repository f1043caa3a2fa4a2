/**
 * The effective split of every method, recomputed whenever the splits change so the hot
 * path reads one array slot per call.
 *
 * Precedence, most specific first; at the same level the control database beats the
 * configured start value: `method:PATH` → `class:CLASS` → configured class → `class:default`
 * → configured `default` → 0.
 */
import type { Route, RouteTarget } from '../control/routes.js';
import type { ProxyMethod } from './methods.js';

/** A split and where it came from. */
export interface EffectiveSplit {
  splitBp: number;
  /** `control:method:/p.S/M`, `control:class:reads`, `config:reads`, … or `none`. */
  source: string;
}

/** Holds the splits and answers per-method lookups. */
export class SplitTable {
  private readonly bp: Int32Array;
  private readonly sources: string[];
  private control = new Map<RouteTarget, number>();
  private controlVersion = 0;

  /**
   * @param methods the method table (dense indexes)
   * @param configured start values per class name (`routing.splitBp`)
   */
  constructor(
    private readonly methods: readonly ProxyMethod[],
    private readonly configured: Readonly<Record<string, number>>,
  ) {
    this.bp = new Int32Array(methods.length);
    this.sources = new Array<string>(methods.length).fill('none');
    this.recompute();
  }

  /** The split of a method, basis points. */
  splitOf(method: ProxyMethod): number {
    return this.bp[method.index]!;
  }

  /** The split of a method with its source. */
  effective(method: ProxyMethod): EffectiveSplit {
    return { splitBp: this.bp[method.index]!, source: this.sources[method.index]! };
  }

  /** Version of the control-DB routes last applied (0: none). */
  get version(): number {
    return this.controlVersion;
  }

  /** The control-DB splits currently applied. */
  get controlSplits(): ReadonlyMap<RouteTarget, number> {
    return this.control;
  }

  /** Replaces the control-DB splits (all routes of this migration). Returns true when any method's split changed. */
  applyRoutes(routes: readonly Route[], version: number): boolean {
    this.control = new Map(routes.map((r) => [r.target, r.splitBp]));
    this.controlVersion = version;
    return this.recompute();
  }

  /** Sets one split locally (PUT /split without a control database). Returns true when any method changed. */
  setLocal(target: RouteTarget, splitBp: number): boolean {
    this.control.set(target, splitBp);
    return this.recompute();
  }

  private recompute(): boolean {
    let changed = false;
    for (const m of this.methods) {
      const e = this.resolve(m);
      if (this.bp[m.index] !== e.splitBp) changed = true;
      this.bp[m.index] = e.splitBp;
      this.sources[m.index] = e.source;
    }
    return changed;
  }

  private resolve(m: ProxyMethod): EffectiveSplit {
    const candidates: Array<[number | undefined, string]> = [
      [this.control.get(`method:${m.path}`), `control:method:${m.path}`],
      [this.control.get(`class:${m.class}`), `control:class:${m.class}`],
      [this.configured[m.class], `config:${m.class}`],
      [this.control.get('class:default'), 'control:class:default'],
      [this.configured['default'], 'config:default'],
    ];
    for (const [v, source] of candidates) if (v !== undefined) return { splitBp: v, source };
    return { splitBp: 0, source: 'none' };
  }
}
