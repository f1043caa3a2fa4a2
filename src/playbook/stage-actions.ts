/**
 * The real {@link StageActions}: prepare checks on the stores and upstreams, backfill with
 * the store layer's `runBackfill`, reconcile with the reconciler, and the dual-write mode in
 * the control database. Lives in the playbook layer because it joins store, reconcile and
 * rollout (which must not import each other).
 */
import { setDualWriteMode } from '../control/dual-write-modes.js';
import { SwitchyardError } from '../errors.js';
import type { ActionContext, ActionResult, StageActions } from '../rollout/actions.js';
import { runReconcile, type TableSpec } from '../reconcile/index.js';
import { runBackfill } from '../store/backfill/run.js';
import { openStore, type Store } from '../store/connect.js';
import { checkTables, checkUpstreams, type CheckOutcome } from './prepare-checks.js';
import type { Playbook } from './schema/playbook.js';

/** Options for {@link createStageActions}. */
export interface StageActionsOptions {
  playbook: Playbook;
  /** The open control database. */
  control: Store;
}

/** Stage actions plus `close()` for the stores they opened. */
export interface ClosableStageActions extends StageActions {
  close(): Promise<void>;
}

function summarize(checks: CheckOutcome[]): ActionResult {
  const bad = checks.filter((c) => !c.ok);
  return {
    ok: bad.length === 0,
    summary: bad.length ? `${bad.length} of ${checks.length} checks failed: ${bad.map((c) => `${c.what}: ${c.detail}`).join('; ')}` : `${checks.length} checks passed`,
    data: { checks },
  };
}

/** Creates the stage actions of a playbook. */
export function createStageActions(options: StageActionsOptions): ClosableStageActions {
  const pb = options.playbook;
  const opened = new Map<'legacy' | 'next', Store>();
  const store = async (side: 'legacy' | 'next'): Promise<Store> => {
    const cached = opened.get(side);
    if (cached) return cached;
    if (!pb.datastores) throw new SwitchyardError('the playbook has no datastores section', { id: 'ROLLOUT_PREPARE_FAILED' });
    const s = await openStore(pb.datastores[side].url, { label: side, poolMax: 4 });
    opened.set(side, s);
    return s;
  };

  return {
    async prepare(spec) {
      const checks: CheckOutcome[] = [];
      if (spec.connectivity) {
        checks.push({ what: `control database (${options.control.url.redacted})`, ok: true, detail: 'reachable, migrations applied' });
        checks.push(...(await checkUpstreams(pb)));
      }
      if (pb.datastores && (spec.connectivity || spec.schema)) {
        for (const side of ['legacy', 'next'] as const) {
          try {
            const s = await store(side);
            if (spec.connectivity) checks.push({ what: `datastore ${side} (${s.url.redacted})`, ok: true, detail: 'reachable' });
            if (spec.schema) checks.push(...(await checkTables(pb, side, s)));
          } catch (err) {
            checks.push({ what: `datastore ${side}`, ok: false, detail: SwitchyardError.from(err).rawMessage });
          }
        }
      }
      return summarize(checks);
    },

    async backfill(spec, ctx: ActionContext) {
      const [legacy, next] = [await store('legacy'), await store('next')];
      const tables: Array<Record<string, unknown>> = [];
      for (const name of spec.tables) {
        const t = pb.tables[name]!;
        if (t.columns && Object.keys(t.columns).length) return { ok: false, summary: `table ${name}: backfill of renamed columns is not supported yet`, data: { tables } };
        const r = await runBackfill({
          source: legacy,
          target: next,
          control: options.control,
          table: t.legacy ?? name,
          targetTable: t.next ?? name,
          key: t.key,
          versionColumn: t.version ?? t.updatedAt,
          rateRowsPerSec: spec.maxRowsPerSecond,
          migration: ctx.migration,
          logger: ctx.logger,
          progressBar: false,
          signal: ctx.signal,
        });
        tables.push({ table: name, status: r.status, rows: r.rows, totalRows: r.totalRows, resumed: r.resumed });
        if (r.status !== 'completed') return { ok: false, summary: `backfill of ${name} stopped after ${r.totalRows} rows (it resumes when the stage is retried)`, data: { tables } };
      }
      const rows = tables.reduce((n, t) => n + Number(t['totalRows']), 0);
      return { ok: true, summary: `${spec.tables.length} table(s), ${rows} rows copied in total`, data: { tables } };
    },

    async reconcile(spec, ctx: ActionContext) {
      const [legacy, next] = [await store('legacy'), await store('next')];
      const tables: TableSpec[] = [];
      for (const name of spec.tables) {
        const t = pb.tables[name]!;
        if (t.columns && Object.keys(t.columns).length) return { ok: false, summary: `table ${name}: reconcile of renamed columns is not supported yet` };
        tables.push({ table: t.legacy ?? name, nextTable: t.next ?? name, key: t.key, updatedAtColumn: t.updatedAt });
      }
      const report = await runReconcile({ legacy, next, tables, repair: spec.repair, control: options.control, migration: ctx.migration, stage: ctx.stage, logger: ctx.logger, signal: ctx.signal });
      const t = report.totals;
      const data = { runId: report.runId, status: report.status, ...t };
      // The gate judges the mismatches (from the run stored in the control database); an
      // error is not a verdict about the data, so it blocks the stage instead.
      if (report.status === 'error') return { ok: false, summary: `reconcile run ${report.runId ?? '-'} failed: ${report.tables.map((x) => x.error).filter(Boolean).join('; ')}`, data };
      return { ok: true, summary: `reconcile run ${report.runId ?? '-'}: ${report.status}, ${t.rowsLegacy}/${t.rowsNext} rows, ${t.missingInNext} missing in next, ${t.extraInNext} extra, ${t.changed} changed, ${t.remaining} remaining`, data };
    },

    async setDualWriteMode(mode, ctx) {
      await setDualWriteMode(options.control.knex, { migration: ctx.migration, mode, actor: ctx.actor, reason: ctx.reason });
    },

    async close() {
      for (const s of opened.values()) await s.close().catch(() => undefined);
      opened.clear();
    },
  };
}
