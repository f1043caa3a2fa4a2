/** Backfill checkpoints in the control database (`sy_backfill_runs`, migration 0003). */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** A backfill's stored state. */
export interface Checkpoint {
  runKey: string;
  status: 'running' | 'completed' | 'failed';
  /** Key of the last row known written (payload JSON), or null before the first chunk. */
  lastKeyJson: string | null;
  rowsCopied: number;
  chunks: number;
  attempt: number;
  startedAtMs: number;
}

/** Identity of a backfill: the same tables between the same stores resume the same run. */
export interface RunIdentity {
  migration: string;
  source: string;
  target: string;
  sourceTable: string;
  targetTable: string;
  key: readonly string[];
}

/** The run key of a backfill. */
export function runKeyOf(id: RunIdentity): string {
  const h = createHash('sha256').update(`${id.source}\n${id.target}\n${id.migration}`).digest('hex').slice(0, 12);
  return `${id.sourceTable}->${id.targetTable}@${h}`.slice(0, 255);
}

const TABLE = 'sy_backfill_runs';

/**
 * Opens the checkpoint of a run: resumes an unfinished one (same key columns), or starts a
 * new one (none yet, the last one completed, or `restart`).
 */
export async function openCheckpoint(control: Knex, id: RunIdentity, restart: boolean, params: Record<string, unknown>, nowMs = Date.now()): Promise<{ checkpoint: Checkpoint; resumed: boolean }> {
  const runKey = runKeyOf(id);
  const row = (await control(TABLE).where('run_key', runKey).first()) as Record<string, unknown> | undefined;
  const sameKey = row && String(row['key_columns_json']) === JSON.stringify(id.key);
  if (row && sameKey && !restart && row['status'] !== 'completed') {
    const attempt = Number(row['attempt']) + 1;
    await control(TABLE).where('run_key', runKey).update({ status: 'running', attempt, updated_at_ms: nowMs, error: null, params_json: JSON.stringify(params) });
    return {
      resumed: true,
      checkpoint: { runKey, status: 'running', lastKeyJson: (row['last_key_json'] as string | null) ?? null, rowsCopied: Number(row['rows_copied']), chunks: Number(row['chunks']), attempt, startedAtMs: Number(row['started_at_ms']) },
    };
  }
  const fresh = {
    run_key: runKey,
    migration: id.migration,
    source: id.source,
    target: id.target,
    source_table: id.sourceTable,
    target_table: id.targetTable,
    status: 'running',
    key_columns_json: JSON.stringify(id.key),
    last_key_json: null,
    rows_copied: 0,
    chunks: 0,
    attempt: 1,
    started_at_ms: nowMs,
    updated_at_ms: nowMs,
    finished_at_ms: null,
    error: null,
    params_json: JSON.stringify(params),
  };
  if (row) await control(TABLE).where('run_key', runKey).update(fresh);
  else await control(TABLE).insert(fresh);
  return { resumed: false, checkpoint: { runKey, status: 'running', lastKeyJson: null, rowsCopied: 0, chunks: 0, attempt: 1, startedAtMs: nowMs } };
}

/** Records a chunk written to the target. */
export async function saveChunk(control: Knex, runKey: string, lastKeyJson: string, rowsCopied: number, chunks: number): Promise<void> {
  await control(TABLE).where('run_key', runKey).update({ last_key_json: lastKeyJson, rows_copied: rowsCopied, chunks, updated_at_ms: Date.now() });
}

/** Marks a run finished. */
export async function finishRun(control: Knex, runKey: string, status: 'completed' | 'failed', error?: string): Promise<void> {
  await control(TABLE).where('run_key', runKey).update({ status, finished_at_ms: Date.now(), updated_at_ms: Date.now(), error: error ?? null });
}

/** Reads a run's checkpoint (for tests and status commands). */
export async function readCheckpoint(control: Knex, runKey: string): Promise<Checkpoint | undefined> {
  const row = (await control(TABLE).where('run_key', runKey).first()) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return {
    runKey,
    status: row['status'] as Checkpoint['status'],
    lastKeyJson: (row['last_key_json'] as string | null) ?? null,
    rowsCopied: Number(row['rows_copied']),
    chunks: Number(row['chunks']),
    attempt: Number(row['attempt']),
    startedAtMs: Number(row['started_at_ms']),
  };
}
