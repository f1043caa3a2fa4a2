/**
 * Metric snapshots for the controller: per method × upstream, what happened in each
 * interval (deltas), written to the control database every `intervalMs`, plus a bounded
 * number of shadow mismatch samples. A failed write keeps its deltas for the next interval,
 * so no call goes uncounted while the control database is briefly away.
 */
import type { Knex } from 'knex';
import { codeName } from '../errors.js';
import { emptyHistogram, mergeInto, observe, type Histogram } from '../control/histogram.js';
import { insertShadowMismatches, insertSnapshots, type MetricSnapshot, type ShadowMismatch, type UpstreamName } from '../control/snapshots.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { SERVER_FAULT_CODES, type FinishedCall } from './gateway.js';
import type { ShadowResult } from './shadow.js';
import { truncateDiff } from './shadow-compare.js';

/** One method × upstream of the current interval: a snapshot row without its interval and origin. */
type Cell = Omit<MetricSnapshot, 'migration' | 'proxyId' | 'atMs' | 'intervalMs'>;

/** One interval's worth, taken out of the aggregator. */
export interface TakenInterval {
  cells: Cell[];
  samples: Array<Omit<ShadowMismatch, 'migration' | 'proxyId'>>;
  sinceMs: number;
}

/** Accumulates the current interval. */
export class SnapshotAggregator {
  private cells = new Map<string, Cell>();
  private samples: TakenInterval['samples'] = [];
  private sinceMs = Date.now();

  /** @param maxSamples mismatch samples kept per interval */
  constructor(private readonly maxSamples: number) {}

  private cell(method: string, methodClass: string, upstream: UpstreamName): Cell {
    const k = `${upstream} ${method}`;
    let c = this.cells.get(k);
    if (!c) {
      c = { method, methodClass, upstream, calls: 0, errors: 0, codes: {}, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0 };
      this.cells.set(k, c);
    }
    return c;
  }

  /** Counts a finished call (calls that never reached an upstream are not counted here). */
  callFinished(f: FinishedCall): void {
    if (!f.upstream) return;
    const c = this.cell(f.method.path, f.method.class, f.upstream);
    c.calls++;
    const name = codeName(f.status.code);
    c.codes[name] = (c.codes[name] ?? 0) + 1;
    if (SERVER_FAULT_CODES.has(f.status.code) && !f.endedBy) c.errors++;
    observe(c.latency, f.durationMs);
  }

  /** Counts a shadow result under the primary upstream; keeps a sample of a mismatch. */
  shadowResult(r: ShadowResult): void {
    const c = this.cell(r.method.path, r.method.class, r.primary);
    const o = r.outcome;
    if (o.t === 'dropped') c.shadowDropped++;
    else c.shadowCompared++;
    if (o.t === 'mismatch') {
      c.shadowMismatched++;
      if (this.samples.length < this.maxSamples) this.samples.push({ atMs: Date.now(), method: r.method.path, primaryUpstream: r.primary, diff: truncateDiff(o.diff) });
    }
  }

  /** Takes the current interval out and starts a new one. */
  take(): TakenInterval {
    const out = { cells: [...this.cells.values()], samples: this.samples, sinceMs: this.sinceMs };
    this.cells = new Map();
    this.samples = [];
    this.sinceMs = Date.now();
    return out;
  }

  /** Puts back an interval that could not be written (merged into the current one). */
  restore(t: TakenInterval): void {
    for (const old of t.cells) {
      const c = this.cell(old.method, old.methodClass, old.upstream);
      c.calls += old.calls;
      c.errors += old.errors;
      for (const [k, n] of Object.entries(old.codes)) c.codes[k] = (c.codes[k] ?? 0) + n;
      mergeInto(c.latency, old.latency);
      c.shadowCompared += old.shadowCompared;
      c.shadowMismatched += old.shadowMismatched;
      c.shadowDropped += old.shadowDropped;
    }
    this.samples = [...t.samples, ...this.samples].slice(0, Math.max(this.maxSamples, t.samples.length));
    this.sinceMs = Math.min(this.sinceMs, t.sinceMs);
  }
}

/** Options for {@link createSnapshotWriter}. */
export interface SnapshotWriterOptions {
  db: Knex;
  migration: string;
  proxyId: string;
  intervalMs: number;
  aggregator: SnapshotAggregator;
  logger?: Logger;
}

/** Writes the aggregator's intervals to the control database. */
export interface SnapshotWriter {
  /** Starts the timer. */
  start(): void;
  /** Stops the timer and writes what is left (one last interval). */
  stop(): Promise<void>;
  /** Writes the current interval now. Resolves false when the write failed (deltas kept). */
  flush(): Promise<boolean>;
}

/** Creates the snapshot writer. */
export function createSnapshotWriter(o: SnapshotWriterOptions): SnapshotWriter {
  const logger = o.logger ?? silentLogger;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<boolean> = Promise.resolve(true);

  const write = async (): Promise<boolean> => {
    const t = o.aggregator.take();
    if (t.cells.length === 0 && t.samples.length === 0) return true;
    const atMs = Date.now();
    const rows: MetricSnapshot[] = t.cells.map((c) => ({ migration: o.migration, proxyId: o.proxyId, atMs, intervalMs: atMs - t.sinceMs, ...c }));
    try {
      await insertSnapshots(o.db, rows);
    } catch (err) {
      o.aggregator.restore(t);
      logger.warn({ err: (err as Error).message }, 'metric snapshot not written; kept for the next interval');
      return false;
    }
    try {
      await insertShadowMismatches(o.db, t.samples.map((s) => ({ migration: o.migration, proxyId: o.proxyId, ...s })));
    } catch (err) {
      logger.warn({ err: (err as Error).message, samples: t.samples.length }, 'shadow mismatch samples not written (counts were)');
    }
    return true;
  };
  const flush = (): Promise<boolean> => (writing = writing.then(write, write));

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void flush(), o.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    flush,
  };
}
