/**
 * The running totals of one table: what a checkpoint stores, what a resumed run starts from,
 * and what the table's report is built from.
 */
import type { KeyTuple } from '../store/canonical.js';
import type { Mismatch, RemainingByKind, RepairResult } from './report/types.js';

/** Counts mismatches by kind. */
export function countByKind(ms: readonly Mismatch[]): RemainingByKind {
  const out = { missingInNext: 0, extraInNext: 0, changed: 0 };
  for (const m of ms) {
    if (m.kind === 'missing-in-next') out.missingInNext++;
    else if (m.kind === 'extra-in-next') out.extraInNext++;
    else out.changed++;
  }
  return out;
}

/** Total of a by-kind count. */
export function totalOf(r: RemainingByKind): number {
  return r.missingInNext + r.extraInNext + r.changed;
}

/** Totals of one table (JSON-serialisable: stored in the checkpoint). */
export interface TableState {
  /** The next segment starts after this key (null: from the first key). */
  afterKey: KeyTuple | null;
  segmentsDone: number;
  differingSegments: number;
  rowsLegacy: number;
  rowsNext: number;
  missingInNext: number;
  extraInNext: number;
  changed: number;
  /** Mismatches left after repair, by kind. */
  remaining: RemainingByKind;
  settled: number;
  recent: number;
  columnsChanged: Record<string, number>;
  samples: Mismatch[];
  checksumQueries: number;
  rowsFetched: number;
  repair: RepairResult | null;
  elapsedMs: number;
  checksumMs: number;
  diffMs: number;
  recheckMs: number;
  repairMs: number;
}

/** A fresh state. */
export function initialState(): TableState {
  return {
    afterKey: null,
    segmentsDone: 0,
    differingSegments: 0,
    rowsLegacy: 0,
    rowsNext: 0,
    missingInNext: 0,
    extraInNext: 0,
    changed: 0,
    remaining: { missingInNext: 0, extraInNext: 0, changed: 0 },
    settled: 0,
    recent: 0,
    columnsChanged: {},
    samples: [],
    checksumQueries: 0,
    rowsFetched: 0,
    repair: null,
    elapsedMs: 0,
    checksumMs: 0,
    diffMs: 0,
    recheckMs: 0,
    repairMs: 0,
  };
}

/** The outcome of one segment, committed in segment order. */
export interface SegmentResult {
  /** Upper bound of the segment (null: the last, open segment). */
  through: KeyTuple | null;
  /** Differing keys found before the re-check (held in memory until the commit). */
  suspects: number;
  rows: { legacy: number; next: number };
  differing: boolean;
  mismatches: Mismatch[];
  settled: number;
  recent: number;
  /** Mismatches still there after repair (all of them without repair), by kind. */
  remaining: RemainingByKind;
  repair: Omit<RepairResult, 'truth' | 'dryRun'> | null;
  recheckMs: number;
  repairMs: number;
}

/** Adds a committed segment to the totals. */
export function applySegment(state: TableState, seg: SegmentResult, sampleLimit: number, repairMode: { truth: 'legacy' | 'next'; dryRun: boolean } | null): void {
  state.afterKey = seg.through;
  state.segmentsDone++;
  if (seg.differing) state.differingSegments++;
  state.rowsLegacy += seg.rows.legacy;
  state.rowsNext += seg.rows.next;
  state.settled += seg.settled;
  state.recent += seg.recent;
  state.remaining.missingInNext += seg.remaining.missingInNext;
  state.remaining.extraInNext += seg.remaining.extraInNext;
  state.remaining.changed += seg.remaining.changed;
  state.recheckMs += seg.recheckMs;
  state.repairMs += seg.repairMs;
  for (const m of seg.mismatches) {
    if (m.kind === 'missing-in-next') state.missingInNext++;
    else if (m.kind === 'extra-in-next') state.extraInNext++;
    else {
      state.changed++;
      for (const c of m.columns) state.columnsChanged[c.column] = (state.columnsChanged[c.column] ?? 0) + 1;
    }
    if (state.samples.length < sampleLimit) state.samples.push(m);
  }
  if (repairMode && seg.repair) {
    const r = (state.repair ??= { truth: repairMode.truth, dryRun: repairMode.dryRun, upserted: 0, deleted: 0, statements: 0, verified: 0, stillMismatched: 0 });
    r.upserted += seg.repair.upserted;
    r.deleted += seg.repair.deleted;
    r.statements += seg.repair.statements;
    r.verified += seg.repair.verified;
    r.stillMismatched += seg.repair.stillMismatched;
  }
}
