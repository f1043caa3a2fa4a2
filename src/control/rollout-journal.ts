/**
 * The controller's journal: hooks and stage actions recorded before they run and after
 * they finish (so a resumed controller never runs one twice for the same transition), and
 * queued manual commands.
 */
import type { Knex } from 'knex';

/** A journalled hook or action. */
export interface OpRecord {
  key: string;
  status: 'started' | 'succeeded' | 'failed';
  description: string;
  startedAtMs: number;
  finishedAtMs: number | null;
  result: Record<string, unknown> | null;
}

function opFromRow(r: Record<string, unknown>): OpRecord {
  return {
    key: String(r['op_key']),
    status: String(r['status']) as OpRecord['status'],
    description: String(r['description']),
    startedAtMs: Number(r['started_at_ms']),
    finishedAtMs: r['finished_at_ms'] == null ? null : Number(r['finished_at_ms']),
    result: r['result_json'] == null ? null : (JSON.parse(String(r['result_json'])) as Record<string, unknown>),
  };
}

/** The op's record, if it was ever begun. */
export async function readOp(db: Knex, migration: string, key: string): Promise<OpRecord | undefined> {
  const row = (await db('sy_rollout_ops').where({ migration, op_key: key }).first()) as Record<string, unknown> | undefined;
  return row ? opFromRow(row) : undefined;
}

/** Records the intent to run an op (status `started`). */
export async function beginOp(db: Knex, migration: string, key: string, description: string, nowMs: number): Promise<void> {
  await db('sy_rollout_ops').insert({ migration, op_key: key, status: 'started', description: description.slice(0, 512), started_at_ms: nowMs });
}

/** Records an op's completion. */
export async function finishOp(db: Knex, migration: string, key: string, ok: boolean, result: Record<string, unknown>, nowMs: number): Promise<void> {
  await db('sy_rollout_ops')
    .where({ migration, op_key: key })
    .update({ status: ok ? 'succeeded' : 'failed', finished_at_ms: nowMs, result_json: JSON.stringify(result) });
}

/** A queued manual command. */
export interface StoredCommand {
  id: number;
  migration: string;
  kind: string;
  args: Record<string, unknown>;
  actor: string;
  reason: string;
  createdAtMs: number;
  status: 'pending' | 'applied' | 'rejected';
  finishedAtMs: number | null;
  result: string | null;
}

function cmdFromRow(r: Record<string, unknown>): StoredCommand {
  return {
    id: Number(r['id']),
    migration: String(r['migration']),
    kind: String(r['kind']),
    args: JSON.parse(String(r['args_json'])) as Record<string, unknown>,
    actor: String(r['actor']),
    reason: String(r['reason']),
    createdAtMs: Number(r['created_at_ms']),
    status: String(r['status']) as StoredCommand['status'],
    finishedAtMs: r['finished_at_ms'] == null ? null : Number(r['finished_at_ms']),
    result: r['result'] == null ? null : String(r['result']),
  };
}

/** Queues a command; returns its id. */
export async function enqueueCommand(db: Knex, cmd: { migration: string; kind: string; args: Record<string, unknown>; actor: string; reason: string }, nowMs: number): Promise<number> {
  const res = (await db('sy_rollout_commands').insert(
    { migration: cmd.migration, kind: cmd.kind, args_json: JSON.stringify(cmd.args), actor: cmd.actor, reason: cmd.reason, created_at_ms: nowMs, status: 'pending' },
    ['id'],
  )) as Array<number | { id: number | string }>;
  const first = res[0];
  return Number(typeof first === 'object' ? first.id : first);
}

/** Pending commands of a migration, oldest first. */
export async function pendingCommands(db: Knex, migration: string): Promise<StoredCommand[]> {
  const rows = (await db('sy_rollout_commands').where({ migration, status: 'pending' }).orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map(cmdFromRow);
}

/** Reads one command. */
export async function readCommand(db: Knex, id: number): Promise<StoredCommand | undefined> {
  const row = (await db('sy_rollout_commands').where({ id }).first()) as Record<string, unknown> | undefined;
  return row ? cmdFromRow(row) : undefined;
}

/** Marks a command applied or rejected, with a one-line result. */
export async function finishCommand(db: Knex, id: number, status: 'applied' | 'rejected', result: string, nowMs: number): Promise<void> {
  await db('sy_rollout_commands').where({ id, status: 'pending' }).update({ status, result, finished_at_ms: nowMs });
}
