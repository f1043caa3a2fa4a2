/**
 * The dual-write mode the controller wants, per migration, in the control database. The
 * controller writes it at each stage; proxies and applications with a DualWriter read it.
 */
import type { Knex } from 'knex';
import { appendEvent } from './events.js';

/** A stored mode. Table `*` applies to every table without its own row. */
export interface StoredDualWriteMode {
  table: string;
  mode: string;
  version: number;
  actor: string;
  updatedAtMs: number;
}

/** Sets the mode (one transaction, one `dualwrite.changed` event when it changes); returns true when it changed. */
export async function setDualWriteMode(
  db: Knex,
  change: { migration: string; table?: string; mode: string; actor: string; reason: string },
  nowMs: number = Date.now(),
): Promise<boolean> {
  const table = change.table ?? '*';
  return db.transaction(async (trx) => {
    const cur = (await trx('sy_dual_write_modes').where({ migration: change.migration, table_name: table }).first()) as Record<string, unknown> | undefined;
    if (cur && cur['mode'] === change.mode) return false;
    const version = cur ? Number(cur['version']) + 1 : 1;
    const values = { mode: change.mode, version, actor: change.actor, updated_at_ms: nowMs };
    await trx('sy_dual_write_modes').insert({ migration: change.migration, table_name: table, ...values }).onConflict(['migration', 'table_name']).merge(values);
    await appendEvent(trx, {
      migration: change.migration,
      component: 'controller',
      actor: change.actor,
      kind: 'dualwrite.changed',
      reason: change.reason,
      data: { table, from: cur ? String(cur['mode']) : null, to: change.mode, version },
      atMs: nowMs,
    });
    return true;
  });
}

/** Every stored mode of a migration. */
export async function getDualWriteModes(db: Knex, migration: string): Promise<StoredDualWriteMode[]> {
  const rows = (await db('sy_dual_write_modes').where({ migration }).orderBy('table_name')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ table: String(r['table_name']), mode: String(r['mode']), version: Number(r['version']), actor: String(r['actor']), updatedAtMs: Number(r['updated_at_ms']) }));
}
