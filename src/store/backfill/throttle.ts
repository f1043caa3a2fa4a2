/**
 * Backfill throttling: a rows-per-second cap, and backing off when the target's write latency
 * (time to write one chunk) rises above a bound: pause, and halve the chunk; grow it back
 * while latency stays under half the bound.
 */

/** Options of {@link createThrottle}. */
export interface ThrottleOptions {
  /** Rows per second at most. Default: no cap. */
  rateRowsPerSec?: number;
  /** Write latency bound for one chunk, ms. Default: none. */
  maxLatencyMs?: number;
  /** Configured chunk size (the most it grows back to). */
  chunkSize: number;
  /** Smallest chunk. Default 100. */
  minChunkSize?: number;
  /** Clock and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A throttle. */
export interface Throttle {
  /** Rows to read for the next chunk. */
  readonly chunkSize: number;
  /** Waits until `rows` more rows may be written under the rate cap. */
  beforeWrite(rows: number): Promise<void>;
  /** Reports a chunk's write latency; may pause. Returns the pause taken, ms. */
  afterWrite(latencyMs: number): Promise<number>;
  /** Total time spent waiting (rate cap and latency pauses), ms. */
  readonly waitedMs: number;
}

/** Creates a throttle. */
export function createThrottle(o: ThrottleOptions): Throttle {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const min = o.minChunkSize ?? 100;
  const max = o.rateRowsPerSec ? Math.max(min, Math.min(o.chunkSize, Math.ceil(o.rateRowsPerSec))) : o.chunkSize;
  let chunk = max;
  let waited = 0;
  let budgetStart = now();
  let budgetRows = 0;
  let pause = 0;
  return {
    get chunkSize() {
      return chunk;
    },
    get waitedMs() {
      return waited;
    },
    async beforeWrite(rows) {
      if (!o.rateRowsPerSec) return;
      const due = budgetStart + ((budgetRows + rows) / o.rateRowsPerSec) * 1000 - now();
      budgetRows += rows;
      if (due > 0) {
        waited += due;
        await sleep(due);
      }
    },
    async afterWrite(latencyMs) {
      if (!o.maxLatencyMs) return 0;
      if (latencyMs > o.maxLatencyMs) {
        chunk = Math.max(min, Math.floor(chunk / 2));
        pause = Math.min(30_000, Math.max(pause * 2, latencyMs, 100));
        waited += pause;
        await sleep(pause);
        // The rate budget restarts after a pause so the cap does not burst to catch up.
        budgetStart = now();
        budgetRows = 0;
        return pause;
      }
      pause = 0;
      if (latencyMs < o.maxLatencyMs / 2) chunk = Math.min(max, Math.ceil(chunk * 1.5));
      return 0;
    },
  };
}
