/**
 * Reconcile runs, their mismatches and per-table checkpoints in the control database
 * (`sy_reconcile_runs`, `sy_reconcile_mismatches` from 0002 — read by the rollout gates —
 * and `sy_reconcile_checkpoints` from 0004).
 *
 * Run counts (`missing_in_next`, `extra_in_next`, `changed`) are the mismatches that remain
 * when the run finishes: what was found, minus what a repair fixed and verified.
 */
import type { Knex } from 'knex';

/** Run status. */
export type ReconcileRunStatus = 'running' | 'consistent' | 'inconsistent' | 'error';

/** A stored run. */
export interface StoredReconcileRun {
  id: number;
  migration: string;
  stage: string;
  startedAtMs: number;
  finishedAtMs: number | null;
  status: ReconcileRunStatus;
  legacy: string;
  next: string;
  rowsLegacy: number;
  rowsNext: number;
  missingInNext: number;
  extraInNext: number;
  changed: number;
  params: Record<string, unknown>;
  /** The full JSON report once finished (`switchyard.reconcile/v1`). */
  report: unknown;
  error: string | null;
}

/** A mismatch row to store. */
export interface NewMismatch {
  table: string;
  key: Record<string, string>;
  kind: string;
  columns: string[];
  legacy: unknown;
  next: unknown;
}

/** A table's checkpoint. */
export interface Checkpoint {
  table: string;
  status: 'running' | 'done';
  segmentsDone: number;
  state: Record<string, unknown>;
}

function insertedId(result: Array<number | { id: number | string }>): number {
  const first = result[0];
  return Number(typeof first === 'object' ? first.id : first);
}

/** Creates a run in status `running`; returns its id. */
export async function createReconcileRun(db: Knex, run: { migration: string; stage: string; legacy: string; next: string; params: Record<string, unknown>; startedAtMs: number }): Promise<number> {
  const result = (await db('sy_reconcile_runs').insert(
    { migration: run.migration, stage: run.stage, started_at_ms: run.startedAtMs, status: 'running', legacy: run.legacy, next: run.next, params_json: JSON.stringify(run.params) },
    ['id'],
  )) as Array<number | { id: number | string }>;
  return insertedId(result);
}

/** Finishes a run with its totals, report and status. */
export async function finishReconcileRun(
  db: Knex,
  id: number,
  result: { status: ReconcileRunStatus; rowsLegacy: number; rowsNext: number; missingInNext: number; extraInNext: number; changed: number; report: unknown; error?: string | null; finishedAtMs: number },
): Promise<void> {
  await db('sy_reconcile_runs')
    .where({ id })
    .update({
      status: result.status,
      finished_at_ms: result.finishedAtMs,
      rows_legacy: result.rowsLegacy,
      rows_next: result.rowsNext,
      missing_in_next: result.missingInNext,
      extra_in_next: result.extraInNext,
      changed: result.changed,
      report_json: result.report === undefined ? null : JSON.stringify(result.report),
      error: result.error ?? null,
    });
}

function decodeRun(r: Record<string, unknown>): StoredReconcileRun {
  return {
    id: Number(r['id']),
    migration: String(r['migration']),
    stage: String(r['stage']),
    startedAtMs: Number(r['started_at_ms']),
    finishedAtMs: r['finished_at_ms'] == null ? null : Number(r['finished_at_ms']),
    status: String(r['status']) as ReconcileRunStatus,
    legacy: String(r['legacy']),
    next: String(r['next']),
    rowsLegacy: Number(r['rows_legacy']),
    rowsNext: Number(r['rows_next']),
    missingInNext: Number(r['missing_in_next']),
    extraInNext: Number(r['extra_in_next']),
    changed: Number(r['changed']),
    params: JSON.parse(String(r['params_json'] ?? '{}')) as Record<string, unknown>,
    report: r['report_json'] == null ? null : (JSON.parse(String(r['report_json'])) as unknown),
    error: r['error'] == null ? null : String(r['error']),
  };
}

/** One run by id. */
export async function getReconcileRun(db: Knex, id: number): Promise<StoredReconcileRun | undefined> {
  const r = (await db('sy_reconcile_runs').where({ id }).first()) as Record<string, unknown> | undefined;
  return r ? decodeRun(r) : undefined;
}

/** Runs, newest first. */
export async function listReconcileRuns(db: Knex, options: { migration?: string; status?: ReconcileRunStatus; limit?: number } = {}): Promise<StoredReconcileRun[]> {
  let q = db('sy_reconcile_runs').select('*').orderBy('id', 'desc').limit(options.limit ?? 20);
  if (options.migration !== undefined) q = q.where('migration', options.migration);
  if (options.status) q = q.where('status', options.status);
  return ((await q) as Array<Record<string, unknown>>).map(decodeRun);
}

/** Stored mismatches of a run, in insertion order. */
export async function listReconcileMismatches(db: Knex, runId: number, options: { table?: string; limit?: number; offset?: number } = {}): Promise<Array<NewMismatch & { id: number }>> {
  let q = db('sy_reconcile_mismatches').where('run_id', runId).orderBy('id', 'asc');
  if (options.table) q = q.where('table_name', options.table);
  if (options.limit !== undefined) q = q.limit(options.limit).offset(options.offset ?? 0);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: Number(r['id']),
    table: String(r['table_name']),
    key: JSON.parse(String(r['key_json'])) as Record<string, string>,
    kind: String(r['kind']),
    columns: JSON.parse(String(r['columns_json'])) as string[],
    legacy: r['legacy_json'] == null ? null : (JSON.parse(String(r['legacy_json'])) as unknown),
    next: r['next_json'] == null ? null : (JSON.parse(String(r['next_json'])) as unknown),
  }));
}

/** Checkpoints of a run, by table. */
export async function loadCheckpoints(db: Knex, runId: number): Promise<Map<string, Checkpoint>> {
  const rows = (await db('sy_reconcile_checkpoints').where('run_id', runId)) as Array<Record<string, unknown>>;
  return new Map(
    rows.map((r) => [
      String(r['table_name']),
      { table: String(r['table_name']), status: String(r['status']) as Checkpoint['status'], segmentsDone: Number(r['segments_done']), state: JSON.parse(String(r['state_json'])) as Record<string, unknown> },
    ]),
  );
}

const MISMATCH_BATCH = 200;

/**
 * Commits segments atomically: stores their mismatches and moves the table's checkpoint,
 * so a run killed at any moment resumes without losing or duplicating a mismatch.
 */
export async function commitCheckpoint(db: Knex, runId: number, checkpoint: Checkpoint, mismatches: readonly NewMismatch[]): Promise<void> {
  await db.transaction(async (trx) => {
    for (let i = 0; i < mismatches.length; i += MISMATCH_BATCH) {
      await trx('sy_reconcile_mismatches').insert(
        mismatches.slice(i, i + MISMATCH_BATCH).map((m) => ({
          run_id: runId,
          table_name: m.table,
          key_json: JSON.stringify(m.key),
          kind: m.kind,
          columns_json: JSON.stringify(m.columns),
          legacy_json: m.legacy == null ? null : JSON.stringify(m.legacy),
          next_json: m.next == null ? null : JSON.stringify(m.next),
        })),
      );
    }
    const row = { status: checkpoint.status, segments_done: checkpoint.segmentsDone, state_json: JSON.stringify(checkpoint.state), updated_at_ms: Date.now() };
    const updated = await trx('sy_reconcile_checkpoints').where({ run_id: runId, table_name: checkpoint.table }).update(row);
    if (!updated) await trx('sy_reconcile_checkpoints').insert({ run_id: runId, table_name: checkpoint.table, ...row });
  });
}
