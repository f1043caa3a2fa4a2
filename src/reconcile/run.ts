/**
 * `runReconcile`: the reconciler's library entry point. Validates everything first (tables,
 * columns, keys, types, reachability — one clear error), then reconciles table by table,
 * records the run in the control database, and returns the report.
 */
import type { Knex } from 'knex';
import { openControl } from '../control/control-db.js';
import { createReconcileRun, finishReconcileRun, getReconcileRun, listReconcileRuns, loadCheckpoints, type Checkpoint } from '../control/reconcile-runs.js';
import { SwitchyardError, fail } from '../errors.js';
import { openStore, type Store } from '../store/connect.js';
import { resolveOptions, type ReconcileOptions, type ResolvedOptions } from './options.js';
import { planTable, type TablePlan } from './plan.js';
import { buildReport, tableReport } from './report/build.js';
import type { ReconcileReport, TableReport } from './report/types.js';
import { writeReports } from './report/write.js';
import { runTable } from './table-run.js';
import { initialState } from './table-state.js';

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) of epoch ms. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');
}

async function open(ref: string | Store, label: string, owned: Store[]): Promise<Store> {
  if (typeof ref !== 'string') return ref;
  const s = await openStore(ref, { label });
  owned.push(s);
  return s;
}

/** The parameters recorded with a run; a resumed run must match them. */
function runParameters(opts: ResolvedOptions, stores: { legacy: Store; next: Store }, cutoff: string | undefined): Record<string, unknown> {
  return {
    legacy: stores.legacy.url.redacted,
    next: stores.next.url.redacted,
    tables: opts.tables,
    key: opts.key ?? null,
    columns: opts.columns ?? null,
    where: opts.where ?? null,
    updatedAtColumn: opts.updatedAtColumn ?? null,
    updatedBefore: cutoff ?? null,
    repair: opts.repair,
    truth: opts.truth,
    dryRun: opts.dryRun,
    segmentRows: opts.segmentRows,
    bucketRows: opts.bucketRows,
    fetchRows: opts.fetchRows,
    fanout: opts.fanout,
    concurrency: opts.concurrency,
    recheckDelayMs: opts.recheckDelayMs,
    floatDigits: opts.floatDigits ?? null,
    floatTolerance: opts.floatTolerance ?? null,
  };
}

/** Fields that must match to resume (the others may change between attempts). */
const RESUME_FIELDS = ['legacy', 'next', 'tables', 'key', 'columns', 'where', 'updatedAtColumn', 'repair', 'truth', 'dryRun', 'segmentRows', 'floatDigits', 'floatTolerance'];

function sameResumeParams(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  return RESUME_FIELDS.find((f) => JSON.stringify(a[f] ?? null) !== JSON.stringify(b[f] ?? null));
}

async function findResumable(db: Knex, opts: ResolvedOptions, params: Record<string, unknown>): Promise<{ id: number; params: Record<string, unknown>; startedAtMs: number } | undefined> {
  if (opts.resume === undefined) return undefined;
  if (opts.resume === 'latest') {
    const runs = await listReconcileRuns(db, { migration: opts.migration, status: 'running', limit: 50 });
    const run = runs.find((r) => !sameResumeParams(r.params, params));
    return run ? { id: run.id, params: run.params, startedAtMs: run.startedAtMs } : undefined;
  }
  const run = await getReconcileRun(db, opts.resume);
  if (!run) throw fail('RECONCILE_RUN_NOT_FOUND', `reconcile run ${opts.resume} does not exist in the control database`);
  if (run.status !== 'running') throw fail('RECONCILE_BAD_RESUME', `reconcile run ${opts.resume} already finished (${run.status}); nothing to resume`);
  const differs = sameResumeParams(run.params, params);
  if (differs) throw fail('RECONCILE_BAD_RESUME', `reconcile run ${opts.resume} was started with a different ${differs}; resume it with the same parameters`);
  return { id: run.id, params: run.params, startedAtMs: run.startedAtMs };
}

/** Runs a reconcile and returns its report. Bad input throws before anything is compared. */
export async function runReconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const opts = resolveOptions(options);
  const log = opts.logger;
  const startedAtMs = Date.now();
  const owned: Store[] = [];
  let controlDb: Store | undefined;
  let ownsControl = false;
  try {
    const legacy = await open(opts.legacy, 'legacy', owned);
    const next = await open(opts.next, 'next', owned);
    const stores = { legacy, next };
    await Promise.all([legacy.dialect.checksum.prepare(legacy.knex), next.dialect.checksum.prepare(next.knex)]);
    if (opts.control !== false) {
      controlDb = typeof opts.control === 'string' ? await openControl(opts.control) : opts.control;
      ownsControl = typeof opts.control === 'string';
    }
    let cutoff = opts.updatedAtColumn ? (opts.updatedBefore?.replace('T', ' ') ?? utcText(startedAtMs)) : undefined;
    let params = runParameters(opts, stores, cutoff);
    const resumed = controlDb ? await findResumable(controlDb.knex, opts, params) : undefined;
    if (resumed && cutoff) {
      cutoff = String(resumed.params['updatedBefore'] ?? cutoff);
      params = { ...params, updatedBefore: cutoff };
    }
    const plans: TablePlan[] = [];
    for (const t of opts.tables) {
      const updatedAt = t.updatedAtColumn ?? opts.updatedAtColumn;
      plans.push(
        await planTable(
          stores,
          { table: t.table, nextTable: t.nextTable, key: t.key ?? opts.key, columns: t.columns ?? opts.columns, where: t.where ?? opts.where, updatedAt: updatedAt && cutoff ? { column: updatedAt, cutoffUtc: cutoff } : undefined },
          { floatDigits: opts.floatDigits, floatTolerance: opts.floatTolerance },
        ),
      );
    }
    const runId = controlDb
      ? (resumed?.id ?? (await createReconcileRun(controlDb.knex, { migration: opts.migration, stage: opts.stage, legacy: legacy.url.redacted, next: next.url.redacted, params, startedAtMs })))
      : null;
    const checkpoints: Map<string, Checkpoint> = controlDb && resumed ? await loadCheckpoints(controlDb.knex, resumed.id) : new Map();
    log.info({ runId, resumed: Boolean(resumed), tables: plans.map((p) => p.table) }, resumed ? `reconcile run ${runId}: resuming` : `reconcile run ${runId ?? '(not stored)'}: started`);
    const tables: TableReport[] = [];
    for (const [i, plan] of plans.entries()) {
      const position = `${i + 1}/${plans.length}`;
      try {
        const state = await runTable({ plan, opts, control: controlDb && runId !== null ? { db: controlDb.knex, runId } : undefined, checkpoint: checkpoints.get(plan.table), position });
        tables.push(tableReport(plan, state, null));
      } catch (err) {
        const e = SwitchyardError.from(err);
        log.error({ table: plan.table, err: e.message }, `reconcile ${plan.table}: ${e.message}`);
        tables.push(tableReport(plan, initialState(), e.message));
        if (opts.signal?.aborted) break;
      }
      const t = tables[tables.length - 1]!;
      log.info({ table: t.table, status: t.status, rowsLegacy: t.rowsLegacy, rowsNext: t.rowsNext, missingInNext: t.missingInNext, extraInNext: t.extraInNext, changed: t.changed }, `reconcile ${t.table}: ${t.status}`);
    }
    // Interrupted: the run stays `running` with its checkpoints, so `resume` continues it.
    if (opts.signal?.aborted) throw fail('RECONCILE_INTERRUPTED', `reconcile run ${runId ?? ''} interrupted${runId !== null ? `; resume it with --resume ${runId}` : ''}`.replace('  ', ' '));
    const finishedAtMs = Date.now();
    const report = buildReport({ runId, startedAtMs: resumed?.startedAtMs ?? startedAtMs, finishedAtMs, legacy: { url: legacy.url.redacted, engine: legacy.dialect.name }, next: { url: next.url.redacted, engine: next.dialect.name }, parameters: params, tables, resumed: Boolean(resumed) });
    if (controlDb && runId !== null) {
      const remainingOf = (f: (t: TableReport) => number): number => tables.reduce((a, t) => a + f(t), 0);
      await finishReconcileRun(controlDb.knex, runId, {
        status: report.status,
        rowsLegacy: report.totals.rowsLegacy,
        rowsNext: report.totals.rowsNext,
        missingInNext: remainingOf((t) => t.remainingByKind.missingInNext),
        extraInNext: remainingOf((t) => t.remainingByKind.extraInNext),
        changed: remainingOf((t) => t.remainingByKind.changed),
        report,
        error: tables.find((t) => t.error)?.error ?? null,
        finishedAtMs,
      });
    }
    if (opts.reportDir) await writeReports(report, opts.reportDir);
    return report;
  } finally {
    await Promise.all(owned.map((s) => s.close().catch(() => undefined)));
    if (controlDb && ownsControl) await controlDb.close().catch(() => undefined);
  }
}
