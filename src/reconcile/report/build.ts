/** Builds the report (`switchyard.reconcile/v1`) from each table's final totals. */
import { NORMALIZATION_RULES, NORMALIZATION_VERSION } from '../normalization.js';
import type { TablePlan } from '../plan.js';
import { totalOf, type TableState } from '../table-state.js';
import { REPORT_SCHEMA, type ReconcileReport, type TableReport } from './types.js';

const round = (ms: number): number => Math.round(ms);

/** One table's report. */
export function tableReport(plan: TablePlan, state: TableState, error: string | null): TableReport {
  const found = { missingInNext: state.missingInNext, extraInNext: state.extraInNext, changed: state.changed };
  const remainingByKind = error ? found : state.remaining;
  return {
    table: plan.table,
    nextTable: plan.nextTable,
    key: plan.key.map((k) => k.name),
    status: error ? 'error' : totalOf(state.remaining) > 0 ? 'inconsistent' : 'consistent',
    rowsLegacy: state.rowsLegacy,
    rowsNext: state.rowsNext,
    missingInNext: state.missingInNext,
    extraInNext: state.extraInNext,
    changed: state.changed,
    remaining: totalOf(remainingByKind),
    remainingByKind: { ...remainingByKind },
    columnsChanged: state.columnsChanged,
    skippedRecent: state.recent,
    settledOnRecheck: state.settled,
    notCompared: plan.notCompared,
    columns: [...plan.key, ...plan.columns].map((c) => ({ column: c.name, legacyType: c.legacy.nativeType, nextType: c.next.nativeType, rule: c.rule, hashed: c.hashed })),
    segments: { total: state.segmentsDone, differing: state.differingSegments, checksumQueries: state.checksumQueries, rowsFetched: state.rowsFetched },
    samples: state.samples,
    repair: state.repair,
    timings: { totalMs: round(state.elapsedMs), checksumMs: round(state.checksumMs), diffMs: round(state.diffMs), recheckMs: round(state.recheckMs), repairMs: round(state.repairMs) },
    error,
  };
}

/** The whole report. */
export function buildReport(args: {
  runId: number | null;
  startedAtMs: number;
  finishedAtMs: number;
  legacy: { url: string; engine: string };
  next: { url: string; engine: string };
  parameters: Record<string, unknown>;
  tables: TableReport[];
  resumed: boolean;
}): ReconcileReport {
  const sum = (f: (t: TableReport) => number): number => args.tables.reduce((a, t) => a + f(t), 0);
  const errored = args.tables.some((t) => t.status === 'error');
  const remaining = sum((t) => t.remaining);
  const status = errored ? 'error' : remaining > 0 ? 'inconsistent' : 'consistent';
  return {
    schema: REPORT_SCHEMA,
    runId: args.runId,
    consistent: status === 'consistent',
    status,
    startedAt: new Date(args.startedAtMs).toISOString(),
    finishedAt: new Date(args.finishedAtMs).toISOString(),
    durationMs: args.finishedAtMs - args.startedAtMs,
    legacy: args.legacy,
    next: args.next,
    parameters: args.parameters,
    normalization: { version: NORMALIZATION_VERSION, rules: [...NORMALIZATION_RULES] },
    tables: args.tables,
    totals: {
      rowsLegacy: sum((t) => t.rowsLegacy),
      rowsNext: sum((t) => t.rowsNext),
      missingInNext: sum((t) => t.missingInNext),
      extraInNext: sum((t) => t.extraInNext),
      changed: sum((t) => t.changed),
      remaining,
    },
    resumed: args.resumed,
  };
}
