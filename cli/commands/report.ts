/**
 * `switchyard report`: renders what the control database recorded.
 *
 * Sections (each a function below that returns the text to print; the action only picks one):
 * - reconcile runs: `report [runId]`, `report --last`, `report --list`, `report <runId> --mismatches`;
 * - the rollout audit trail: `report --audit [--migration NAME | --playbook FILE]` (./report-audit.ts).
 */
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Knex } from 'knex';
import { openControl } from '../../src/control/control-db.js';
import { getReconcileRun, listReconcileMismatches, listReconcileRuns } from '../../src/control/reconcile-runs.js';
import { fail } from '../../src/errors.js';
import { renderHtml, renderJson, renderMarkdown, writeReports, type ReconcileReport } from '../../src/reconcile/index.js';
import { printLines, table, when } from '../print.js';
import { auditReport } from './report-audit.js';

/** Output formats of a rendered report. */
export type ReportFormat = 'json' | 'markdown' | 'html';

interface ReportCliOptions {
  control?: string;
  last?: boolean;
  list?: boolean;
  mismatches?: boolean;
  table?: string;
  limit: number;
  format: ReportFormat;
  out?: string;
  reportDir?: string;
  migration?: string;
  audit?: boolean;
  playbook?: string;
}

const RENDER: Record<ReportFormat, (r: ReconcileReport) => string> = { json: renderJson, markdown: renderMarkdown, html: renderHtml };

/** Lines listing recent reconcile runs. */
async function reconcileRunList(db: Knex, opts: ReportCliOptions): Promise<string> {
  const runs = await listReconcileRuns(db, { migration: opts.migration, limit: opts.limit });
  if (opts.format === 'json') return JSON.stringify(runs.map((r) => ({ ...r, report: undefined }))) + '\n';
  const rows = [['run', 'started', 'status', 'rows legacy', 'rows next', 'missing', 'extra', 'changed', 'migration']];
  for (const r of runs) rows.push([String(r.id), when(r.startedAtMs), r.status, String(r.rowsLegacy), String(r.rowsNext), String(r.missingInNext), String(r.extraInNext), String(r.changed), r.migration || '-']);
  return table(rows).join('\n') + '\n';
}

/** Stored mismatches of a run as JSON lines (every one, paged from the control database). */
async function reconcileMismatches(db: Knex, runId: number, opts: ReportCliOptions, write: (s: string) => void): Promise<void> {
  const page = 1000;
  for (let offset = 0; ; offset += page) {
    const rows = await listReconcileMismatches(db, runId, { table: opts.table, limit: page, offset });
    for (const m of rows) write(JSON.stringify(m) + '\n');
    if (rows.length < page) return;
  }
}

/** A stored run's report rendered in `format`. */
async function reconcileRunReport(db: Knex, runId: number | 'last', opts: ReportCliOptions): Promise<{ report: ReconcileReport; text: string }> {
  const run = runId === 'last' ? (await listReconcileRuns(db, { migration: opts.migration, limit: 1 }))[0] : await getReconcileRun(db, runId);
  if (!run) throw fail('RECONCILE_RUN_NOT_FOUND', runId === 'last' ? 'no reconcile run in the control database' : `reconcile run ${runId} does not exist in the control database`);
  if (!run.report) {
    throw fail('RECONCILE_RUN_NOT_FOUND', `reconcile run ${run.id} has no report (status ${run.status}${run.error ? `: ${run.error}` : ''})`, { hint: run.status === 'running' ? `it is still running or was interrupted; \`switchyard reconcile ... --resume ${run.id}\` continues it` : undefined });
  }
  const report = run.report as ReconcileReport;
  return { report, text: RENDER[opts.format](report) };
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Registers `report`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render a stored reconcile run (markdown, html or json), list runs, dump their mismatches, or (--audit) the rollout audit trail')
    .argument('[runId]', 'reconcile run id', positiveInt)
    .option('--control <url>', 'control database URL (default: sqlite://.switchyard/control.db)')
    .option('--last', 'the latest reconcile run')
    .option('--list', 'list recent reconcile runs')
    .option('--mismatches', 'print every stored mismatch of the run as JSON lines')
    .option('--table <name>', 'with --mismatches: only this table')
    .option('--migration <name>', 'only runs of this migration (--list, --last)')
    .option('--limit <n>', 'runs listed (default 20)', positiveInt, 20)
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'html', 'json']).default('markdown'))
    .option('--out <file>', 'write the rendering to a file instead of stdout')
    .option('--report-dir <dir>', 'write report.json, report.md and report.html into this folder')
    .option('--audit', 'render the rollout audit trail of --migration (or of --playbook\'s migration) instead of a reconcile run')
    .option('-p, --playbook <file>', 'with --audit: the playbook naming the migration and control database')
    .action(async (runId: number | undefined, opts: ReportCliOptions) => {
      if (opts.audit) return auditReport(opts);
      const control = await openControl(opts.control);
      try {
        const db = control.knex;
        if (opts.list) {
          process.stdout.write(await reconcileRunList(db, opts));
          return;
        }
        if (runId === undefined && !opts.last) throw fail('INVALID_ARGUMENT', 'give a run id, --last or --list');
        if (opts.mismatches) {
          const id = runId ?? (await listReconcileRuns(db, { migration: opts.migration, limit: 1 }))[0]?.id;
          if (id === undefined) throw fail('RECONCILE_RUN_NOT_FOUND', 'no reconcile run in the control database');
          await reconcileMismatches(db, id, opts, (s) => process.stdout.write(s));
          return;
        }
        const { report, text } = await reconcileRunReport(db, runId ?? 'last', opts);
        if (opts.reportDir) {
          const paths = await writeReports(report, opts.reportDir);
          printLines(paths.map((p) => `wrote ${p}`));
        } else if (opts.out) {
          await writeFile(opts.out, text, 'utf8');
          printLines([`wrote ${opts.out}`]);
        } else process.stdout.write(text);
      } finally {
        await control.close();
      }
    });
}
