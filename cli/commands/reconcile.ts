/**
 * `switchyard reconcile`: proves legacy and next hold the same rows (and repairs them).
 * Exit 0 when consistent, 1 when mismatches remain, 2 on an error.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { fail } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { runReconcile, type ReconcileReport } from '../../src/reconcile/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLines, table } from '../print.js';

interface ReconcileCliOptions {
  legacy: string;
  next: string;
  table: string[];
  key?: string;
  columns?: string;
  where?: string;
  updatedAt?: string;
  updatedBefore?: string;
  reportDir?: string;
  repair?: boolean;
  truth: 'legacy' | 'next';
  dryRun?: boolean;
  json?: boolean;
  control?: string;
  migration?: string;
  stage?: string;
  resume?: string | true;
  segmentRows?: number;
  concurrency?: number;
  recheckDelayMs?: number;
  floatDigits?: number;
  floatTolerance?: number;
  sampleLimit?: number;
  pauseMs?: number;
  progress: boolean;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function int(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

function number(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return n;
  };
}

/** Human summary lines (stdout without --json). */
export function summaryLines(r: ReconcileReport, reportDir?: string): string[] {
  const rows = [['table', 'rows legacy', 'rows next', 'missing in next', 'extra in next', 'changed', 'remaining', 'status']];
  for (const t of r.tables) rows.push([t.table, String(t.rowsLegacy), String(t.rowsNext), String(t.missingInNext), String(t.extraInNext), String(t.changed), String(t.remaining), t.status]);
  const lines = [`reconcile run ${r.runId ?? '(not stored)'}${r.resumed ? ' (resumed)' : ''}: ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s`, ...table(rows)];
  for (const t of r.tables) {
    if (t.error) lines.push(`  ${t.table}: error: ${t.error}`);
    if (t.repair) lines.push(`  ${t.table}: repair from ${t.repair.truth}${t.repair.dryRun ? ' (dry run)' : ''}: ${t.repair.upserted} upserted, ${t.repair.deleted} deleted, ${t.repair.stillMismatched} still differ`);
    for (const m of t.samples.slice(0, 5)) {
      const key = Object.entries(m.key).map(([k, v]) => `${k}=${v}`).join(',');
      const cols = m.columns.map((c) => `${c.column}: ${JSON.stringify(c.legacy)} → ${JSON.stringify(c.next)}`).join('; ');
      lines.push(`  ${t.table} ${m.kind} ${key}${cols ? ` ${cols}` : ''}`);
    }
  }
  if (reportDir) lines.push(`reports: ${reportDir}/report.{json,md,html}`);
  return lines;
}

/** Registers `reconcile`. */
export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('verify that legacy and next hold the same rows; optionally repair them (exit 0 consistent, 1 mismatches remain, 2 error)')
    .requiredOption('--legacy <url>', 'legacy datastore URL (or env:NAME)')
    .requiredOption('--next <url>', 'next datastore URL (or env:NAME)')
    .requiredOption('--table <name>', 'table to compare (repeatable; legacy:next to name it differently on next)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--key <cols>', 'key columns, comma-separated (default: the primary key)')
    .option('--columns <cols>', 'columns to compare, comma-separated (default: all columns on both sides)')
    .option('--where <sql>', 'SQL predicate applied on both sides')
    .option('--updated-at <col>', 'updated-at column: rows changed after --updated-before (default: the run start) are skipped')
    .option('--updated-before <utc>', 'upper bound for --updated-at, UTC "YYYY-MM-DD HH:MM:SS[.ffffff]"')
    .option('--report-dir <dir>', 'write report.json, report.md and report.html here')
    .option('--repair', 'copy the source of truth onto the other side, then re-verify the repaired keys')
    .addOption(new Option('--truth <side>', 'source of truth for --repair').choices(['legacy', 'next']).default('legacy'))
    .option('--dry-run', 'with --repair: print the SQL instead of running it')
    .option('--json', 'print the report as one JSON object on stdout')
    .option('--control <url>', 'control database URL (default: sqlite://.switchyard/control.db)')
    .option('--migration <name>', 'migration name recorded with the run', '')
    .option('--stage <name>', 'stage name recorded with the run', '')
    .option('--resume [runId]', 'resume an interrupted run (default: the latest one with the same parameters)')
    .option('--segment-rows <n>', 'rows per segment (default 100000)', int('--segment-rows'))
    .option('--concurrency <n>', 'segments checked at once (default 2)', int('--concurrency'))
    .option('--recheck-delay-ms <ms>', 'delay before differences are re-checked (default 1000)', int('--recheck-delay-ms'))
    .option('--float-digits <n>', 'significant digits of floats in the hash (default 15, or 6 for single precision)', int('--float-digits'))
    .option('--float-tolerance <x>', 'relative float tolerance of the row comparison', number('--float-tolerance'))
    .option('--sample-limit <n>', 'mismatches kept as samples per table (default 20)', int('--sample-limit'))
    .option('--pause-ms <ms>', 'pause between segments to limit load (default 0)', int('--pause-ms'))
    .option('--no-progress', 'no progress bar or progress logs')
    .action(async (opts: ReconcileCliOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ logLevel?: string }>();
      const logger = createLogger({ level: (globals.logLevel ?? 'info') as 'info' });
      if (opts.dryRun && !opts.repair) throw fail('INVALID_ARGUMENT', '--dry-run needs --repair');
      const abort = new AbortController();
      const stop = (): void => abort.abort(fail('RECONCILE_INTERRUPTED', 'interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const report = await runReconcile({
          legacy: opts.legacy,
          next: opts.next,
          tables: opts.table.map((t) => {
            const [l, n] = t.split(':');
            return n ? { table: l!, nextTable: n } : { table: l! };
          }),
          key: opts.key ? list(opts.key) : undefined,
          columns: opts.columns ? list(opts.columns) : undefined,
          where: opts.where,
          updatedAtColumn: opts.updatedAt,
          updatedBefore: opts.updatedBefore,
          repair: opts.repair ?? false,
          truth: opts.truth,
          dryRun: opts.dryRun ?? false,
          onRepairSql: (sql) => process.stdout.write(opts.json ? '' : `${sql}\n`),
          control: opts.control,
          migration: opts.migration,
          stage: opts.stage,
          resume: opts.resume === undefined ? undefined : opts.resume === true ? 'latest' : int('--resume')(opts.resume),
          segmentRows: opts.segmentRows,
          concurrency: opts.concurrency,
          recheckDelayMs: opts.recheckDelayMs,
          floatDigits: opts.floatDigits,
          floatTolerance: opts.floatTolerance,
          sampleLimit: opts.sampleLimit,
          pauseBetweenSegmentsMs: opts.pauseMs,
          reportDir: opts.reportDir,
          logger,
          progress: opts.progress,
          signal: abort.signal,
        });
        if (opts.json) printJson(report);
        else printLines(summaryLines(report, opts.reportDir));
        if (report.status === 'error') {
          const t = report.tables.find((x) => x.error);
          throw fail('RECONCILE_TABLE_FAILED', `reconcile run ${report.runId ?? '(not stored)'} failed on table ${t?.table ?? '?'}: ${t?.error ?? 'unknown error'}`);
        }
        process.exitCode = report.consistent ? EXIT.OK : EXIT.FAILED;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
