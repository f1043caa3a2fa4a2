/**
 * Stages as the controller sees them: `shift-reads`/`shift-writes` with several steps become
 * one stage per step, and each kind's defaults are filled in (names, holds, modes, splits).
 */
import type { DualWriteMode } from '../rollout/plan.js';
import type { Playbook } from './schema/playbook.js';
import type { StageInput } from './schema/stages.js';

/** Default hold of shift stages, ms (5 minutes). */
export const DEFAULT_SHIFT_HOLD_MS = 5 * 60_000;

/** One stage after expansion. */
export interface ExpandedStage {
  /** Index of the playbook stage it comes from (for error paths). */
  source: number;
  name: string;
  kind: StageInput['kind'];
  input: StageInput;
  /** What this stage changes in the split (classes in percent, methods in percent). */
  split: { reads?: number; writes?: number; methods: Record<string, number> };
  /** The mode it sets, if any. */
  dualWrite?: DualWriteMode;
  holdMs: number;
}

function defaultMode(s: StageInput): DualWriteMode | undefined {
  if (s.dualWrite) return s.dualWrite;
  if (s.kind === 'dual-write') return 'dual-legacy-primary';
  if (s.kind === 'retire') return 'next-only';
  return undefined;
}

/** Expands the playbook's stages. */
export function expandStages(pb: Playbook): ExpandedStage[] {
  const out: ExpandedStage[] = [];
  pb.stages.forEach((s, source) => {
    const isShift = s.kind === 'shift-reads' || s.kind === 'shift-writes' || s.kind === 'shift';
    const holdMs = s.hold ?? (isShift ? DEFAULT_SHIFT_HOLD_MS : 0);
    const base = { reads: s.split?.reads, writes: s.split?.writes, methods: { ...s.split?.methods } };
    if (s.kind === 'shift-reads' || s.kind === 'shift-writes') {
      const cls = s.kind === 'shift-reads' ? 'reads' : 'writes';
      for (const p of s.steps) {
        out.push({ source, name: `${s.name ?? cls}-${p}%`, kind: s.kind, input: s, split: { ...base, [cls]: p }, dualWrite: defaultMode(s), holdMs });
      }
      return;
    }
    const split = s.kind === 'retire' ? { reads: base.reads ?? 100, writes: base.writes ?? 100, methods: base.methods } : base;
    out.push({ source, name: s.name ?? s.kind, kind: s.kind, input: s, split, dualWrite: defaultMode(s), holdMs });
  });
  return out;
}
