/**
 * Progress for long work (backfill, reconcile): a bar with rate and ETA on a TTY,
 * structured pino logs (at most one per `logEveryMs`) otherwise.
 */
import cliProgress from 'cli-progress';
import type { Logger } from './logger.js';

/** A progress reporter. */
export interface Progress {
  /** Sets the total (units of work), when known. */
  setTotal(total: number): void;
  /** Adds completed units, with optional extra fields for the log line / bar. */
  increment(by: number, fields?: Record<string, string | number>): void;
  /** Finishes: stops the bar, logs a final line. */
  stop(fields?: Record<string, string | number>): void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** What is being done, e.g. `backfill messages`. */
  label: string;
  /** Unit name for the rate, e.g. `rows`. Default `items`. */
  unit?: string;
  /** Total units, if known up front. */
  total?: number;
  /** Logger for non-TTY output. */
  logger: Logger;
  /** Draw a bar. Default: when stderr is a TTY. */
  tty?: boolean;
  /** Minimum interval between log lines, ms. Default 2000. */
  logEveryMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /** Appended to the bar's format: cli-progress tokens filled from `increment` fields, e.g. ` | {segments} segments`. Default none. */
  barSuffix?: string;
}

/** Creates a progress reporter (bar on a TTY, logs otherwise). */
export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'items';
  const started = now();
  let done = 0;
  let total = options.total ?? 0;
  let lastLog = started;
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}${options.barSuffix ?? ''}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { rate: 0 });
  const rate = (): number => {
    const secs = (now() - started) / 1000;
    return secs > 0 ? Math.round(done / secs) : 0;
  };
  return {
    setTotal(t) {
      total = t;
      bar?.setTotal(t);
    },
    increment(by, fields = {}) {
      done += by;
      if (bar) {
        bar.update(done, { rate: rate(), ...fields });
        return;
      }
      const t = now();
      if (t - lastLog >= (options.logEveryMs ?? 2000)) {
        lastLog = t;
        const r = rate();
        const etaSeconds = total > done && r > 0 ? Math.round((total - done) / r) : undefined;
        options.logger.info({ progress: options.label, done, total: total || undefined, unit, ratePerSec: r, etaSeconds, ...fields }, `${options.label}: ${done}${total ? `/${total}` : ''} ${unit}`);
      }
    },
    stop(fields = {}) {
      bar?.stop();
      const elapsedMs = now() - started;
      options.logger.info({ progress: options.label, done, total: total || undefined, unit, ratePerSec: rate(), elapsedMs, finished: true, ...fields }, `${options.label}: finished ${done} ${unit} in ${(elapsedMs / 1000).toFixed(1)} s`);
    },
  };
}
