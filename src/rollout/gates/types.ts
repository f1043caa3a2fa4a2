/** Gate results and the inputs gates read. */
import type { SnapshotWindow, UpstreamName, UpstreamTotals } from '../../control/snapshots.js';

/** A gate's verdict. `skipped`: not applicable in this stage (e.g. no traffic routed to next). */
export type GateOutcome = 'pass' | 'fail' | 'inconclusive' | 'skipped';

/** One gate's result in one evaluation. */
export interface GateResult {
  /** `errorRate`, `errorRate.relative`, `latency`, `shadow`, `reconcile`, `custom:<name>`. */
  gate: string;
  outcome: GateOutcome;
  /** The measured value (rate, ratio, count), when there is one. */
  value?: number | null;
  /** The threshold it was compared with. */
  threshold?: number;
  /** One line: what was measured against what. */
  detail: string;
  /** Sample sizes behind it. */
  sample?: Record<string, number>;
}

/** One evaluation of a stage's gates. */
export interface Evaluation {
  atMs: number;
  /** fail if any gate failed; else inconclusive if any was; else pass. */
  outcome: 'pass' | 'fail' | 'inconclusive';
  gates: GateResult[];
}

/** A finished reconcile run, as the reconcile gate sees it. */
export interface ReconcileRunSummary {
  id: number;
  startedAtMs: number;
  finishedAtMs: number | null;
  /** running | consistent | inconsistent | error */
  status: string;
  missingInNext: number;
  extraInNext: number;
  changed: number;
  error: string | null;
}

/** Where gates read their data (the control database in production). */
export interface GateSources {
  /** Sums proxy metric snapshots in a window, per upstream. */
  sumSnapshots(window: SnapshotWindow): Promise<Record<UpstreamName, UpstreamTotals>>;
  /** The latest reconcile run of the migration started at or after `sinceMs`. */
  latestReconcileRun(migration: string, sinceMs: number): Promise<ReconcileRunSummary | undefined>;
}

/** Result of running a custom check. */
export interface CheckResult {
  ok: boolean;
  /** One line: exit code / HTTP status / timeout. */
  detail: string;
}

/** Combines gate outcomes: any fail → fail; else any inconclusive → inconclusive; else pass. */
export function combineOutcomes(results: GateResult[]): Evaluation['outcome'] {
  if (results.some((r) => r.outcome === 'fail')) return 'fail';
  if (results.some((r) => r.outcome === 'inconclusive')) return 'inconclusive';
  return 'pass';
}
