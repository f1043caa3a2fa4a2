/** Reads a migration's audit trail (events, rollout state, splits, dual-write mode) from the control database. */
import type { Knex } from 'knex';
import { getDualWriteModes } from '../../control/dual-write-modes.js';
import { listEvents } from '../../control/events.js';
import { readRollout } from '../../control/rollouts.js';
import { getRoutes } from '../../control/routes.js';
import { buildAuditTrail, type AuditTrail } from './model.js';

/** The audit trail of `migration`; undefined when it has neither a rollout nor events. */
export async function readAuditTrail(db: Knex, migration: string): Promise<AuditTrail | undefined> {
  const [row, events, routes, modes] = await Promise.all([readRollout(db, migration), listEvents(db, { migration }), getRoutes(db, migration), getDualWriteModes(db, migration)]);
  if (!row && events.length === 0) return undefined;
  const state = row?.state as { reason?: string; lastGoodStageIndex?: number } | undefined;
  const stageOf = (i: number | undefined): string | null => (i === undefined || i < 0 ? null : (events.find((e) => e.data['stageIndex'] === i && typeof e.data['stage'] === 'string')?.data['stage'] as string | undefined) ?? `#${i}`);
  const status = row
    ? {
        status: row.status,
        stage: row.stageName || stageOf(row.stageIndex),
        reason: state?.reason ?? '',
        split: Object.fromEntries(routes.map((r) => [r.target, r.splitBp])),
        dualWrite: modes.find((m) => m.table === '*')?.mode ?? null,
        lastGoodStage: stageOf(row.lastGoodStageIndex),
      }
    : null;
  return buildAuditTrail(migration, events, status);
}
