/** `switchyard backfill`: copies a table from the legacy store to the next one, resumably. */
import { Option, type Command } from 'commander';
import { fail } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { runBackfill, type BackfillResult } from '../../src/store/backfill/run.js';

interface BackfillCliOptions {
  legacy: string;
  next: string;
  table: string;
  targetTable?: string;
  key?: string;
  columns?: string;
  versionColumn?: string;
  onConflict?: 'newer-version' | 'keep-target' | 'overwrite';
  rate?: string;
  maxLatencyMs?: string;
  chunkSize?: string;
  loadMethod?: 'copy' | 'copy-staging' | 'insert';
  control?: string;
  migration?: string;
  reverse?: boolean;
  restart?: boolean;
  watchDeletes?: boolean;
  json?: boolean;
  logLevel?: string;
}

const list = (v: string | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw fail('INVALID_ARGUMENT', `${name}: expected a positive number, got "${v}"`);
  return n;
}

function summary(r: BackfillResult): string {
  const methods = Object.entries(r.loadMethods).map(([m, n]) => `${m}×${n}`).join(' ');
  return [
    `backfill ${r.sourceTable} → ${r.targetTable}: ${r.status}`,
    `  rows       ${r.rows} this run (${r.totalRows} in total), ${r.chunks} chunks${r.resumed ? `, resumed after key ${r.resumedAfterKey}` : ''}`,
    `  time       ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.rowsPerSec} rows/s${r.throttledMs ? `, throttled ${(r.throttledMs / 1000).toFixed(1)} s` : ''}`,
    `  conflicts  ${r.onConflict}${methods ? `; load ${methods}` : ''}${r.deletedByLiveWrites ? `; ${r.deletedByLiveWrites} rows removed again (deleted by live writes during the copy)` : ''}`,
  ].join('\n');
}

/** Registers `switchyard backfill`. */
export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description('copy a table from the legacy store to the next store in key order, resumable after a kill')
    .requiredOption('--legacy <url>', 'legacy datastore URL (or env:NAME)')
    .requiredOption('--next <url>', 'next datastore URL (or env:NAME)')
    .requiredOption('--table <name>', 'table to copy')
    .option('--target-table <name>', 'table name on the target (default: --table)')
    .option('--key <cols>', 'key columns, comma-separated (default: the primary key)')
    .option('--columns <cols>', 'columns to copy, comma-separated (default: all)')
    .option('--version-column <col>', 'version/updated-at column: never overwrite a newer target row')
    .addOption(new Option('--on-conflict <policy>', 'existing target rows: newer-version | keep-target | overwrite (default: newer-version with --version-column, else keep-target)').choices(['newer-version', 'keep-target', 'overwrite']))
    .option('--rate <rows_per_s>', 'rows per second at most')
    .option('--max-latency-ms <ms>', 'pause while one chunk write takes longer than this')
    .option('--chunk-size <rows>', 'rows per chunk and checkpoint (default 10000)')
    .addOption(new Option('--load-method <m>', 'PostgreSQL target: copy | copy-staging | insert (default copy)').choices(['copy', 'copy-staging', 'insert']))
    .option('--control <url>', 'control database URL (default: sqlite://.switchyard/control.db)')
    .option('--migration <name>', 'migration name recorded with the checkpoint')
    .option('--reverse', 'copy next → legacy instead')
    .option('--restart', 'start over instead of resuming an unfinished run')
    .option('--no-watch-deletes', 'skip the tombstone watch (only when no dual writes touch the table: an initial load)')
    .option('--json', 'print the summary as one JSON object')
    .action(async (opts: BackfillCliOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ logLevel?: string }>();
      const logger = createLogger({ level: (globals.logLevel ?? 'info') as 'info' });
      const abort = new AbortController();
      const stop = (): void => {
        logger.warn('stopping after the current chunk (the checkpoint is kept; rerun to resume)');
        abort.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const result = await runBackfill({
          source: opts.reverse ? opts.next : opts.legacy,
          target: opts.reverse ? opts.legacy : opts.next,
          control: opts.control,
          table: opts.table,
          targetTable: opts.targetTable,
          key: list(opts.key),
          columns: list(opts.columns),
          versionColumn: opts.versionColumn,
          onConflict: opts.onConflict,
          rateRowsPerSec: positive('--rate', opts.rate),
          maxWriteLatencyMs: positive('--max-latency-ms', opts.maxLatencyMs),
          chunkSize: positive('--chunk-size', opts.chunkSize),
          loadMethod: opts.loadMethod,
          restart: opts.restart,
          watchDeletes: opts.watchDeletes,
          migration: opts.migration,
          logger,
          progressBar: !opts.json && Boolean(process.stderr.isTTY),
          signal: abort.signal,
        });
        process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : summary(result) + '\n');
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
