/**
 * The reconcile report: the stable JSON schema (`switchyard.reconcile/v1`) documented in
 * docs/reconcile.md. Markdown and HTML are renderings of it. Additive changes only within v1.
 */

/** Schema identifier written in every report. */
export const REPORT_SCHEMA = 'switchyard.reconcile/v1';

/** How a mismatch is classified. */
export type MismatchKind = 'missing-in-next' | 'extra-in-next' | 'changed';

/** One differing column of a changed row: canonical text of both sides (null = SQL NULL). */
export interface ColumnDiff {
  column: string;
  legacy: string | null;
  next: string | null;
}

/** One confirmed mismatch. */
export interface Mismatch {
  kind: MismatchKind;
  /** Key column → canonical key text. */
  key: Record<string, string>;
  /** Changed rows: the differing columns. Empty for missing/extra. */
  columns: ColumnDiff[];
  /** Canonical row text on legacy (column → value), when the row exists there. */
  legacy: Record<string, string | null> | null;
  /** Canonical row text on next, when the row exists there. */
  next: Record<string, string | null> | null;
}

/** One compared column and the rule applied to it. */
export interface ColumnRule {
  column: string;
  legacyType: string;
  nextType: string;
  /** The canonical rendering, e.g. `timestamp(3) UTC, truncated`. */
  rule: string;
  /** `in-database` (hashed by the engines) or `in-node` (JSON canonicalised by switchyard). */
  hashed: 'in-database' | 'in-node';
}

/** Repair outcome for a table. */
export interface RepairResult {
  truth: 'legacy' | 'next';
  dryRun: boolean;
  /** Rows written (upserted) on the other side. */
  upserted: number;
  /** Rows deleted on the other side. */
  deleted: number;
  /** SQL statements run (or printed with dry-run). */
  statements: number;
  /** Repaired keys verified again afterwards. */
  verified: number;
  /** Repaired keys that still differ after repair. */
  stillMismatched: number;
}

/** Mismatch counts by kind. */
export interface RemainingByKind {
  missingInNext: number;
  extraInNext: number;
  changed: number;
}

/** Per-table result. */
export interface TableReport {
  table: string;
  /** The table's name on next when it differs. */
  nextTable: string;
  key: string[];
  status: 'consistent' | 'inconsistent' | 'error';
  /** Rows compared on each side (after `where` and the updated-at bound). */
  rowsLegacy: number;
  rowsNext: number;
  missingInNext: number;
  extraInNext: number;
  changed: number;
  /** Mismatches left after repair (equal to the sum above without repair). */
  remaining: number;
  /** `remaining` by kind (what the control database's run row records). */
  remainingByKind: RemainingByKind;
  /** Changed rows per column. */
  columnsChanged: Record<string, number>;
  /** Rows skipped because they changed after the updated-at bound. */
  skippedRecent: number;
  /** Differences that disappeared on re-check (rows still being written during the run). */
  settledOnRecheck: number;
  /** Columns present on only one side (not compared). */
  notCompared: { legacyOnly: string[]; nextOnly: string[] };
  columns: ColumnRule[];
  segments: { total: number; differing: number; checksumQueries: number; rowsFetched: number };
  /** The first mismatches (up to `sampleLimit`). */
  samples: Mismatch[];
  repair: RepairResult | null;
  timings: { totalMs: number; checksumMs: number; diffMs: number; recheckMs: number; repairMs: number };
  error: string | null;
}

/** The whole report. */
export interface ReconcileReport {
  schema: typeof REPORT_SCHEMA;
  /** Control-database run id (null when no control database was used). */
  runId: number | null;
  consistent: boolean;
  status: 'consistent' | 'inconsistent' | 'error';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  legacy: { url: string; engine: string };
  next: { url: string; engine: string };
  /** Parameters of the run (no credentials). */
  parameters: Record<string, unknown>;
  /** The normalization rules in force (docs/normalization.md). */
  normalization: { version: string; rules: string[] };
  tables: TableReport[];
  totals: { rowsLegacy: number; rowsNext: number; missingInNext: number; extraInNext: number; changed: number; remaining: number };
  /** Resumed from an earlier, interrupted run. */
  resumed: boolean;
}
