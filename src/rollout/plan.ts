/**
 * What the controller executes: the playbook's stages resolved into effective splits,
 * modes, gates (with defaults filled in) and hooks. Built by src/playbook/plan.ts; the
 * rollout layer never reads YAML.
 */
import type { RouteTarget } from '../control/routes.js';

/** Which stores a write reaches and which one is primary (see the DualWriter). */
export type DualWriteMode = 'legacy-only' | 'dual-legacy-primary' | 'dual-next-primary' | 'next-only';

/** Split per route target, in basis points of a percent (0–10000). */
export type SplitState = Partial<Record<RouteTarget, number>>;

/** A hook: a shell command or an HTTP webhook. */
export interface HookSpec {
  /** Name in the audit trail. */
  name: string;
  /** `command`: run by /bin/sh; `webhook`: HTTP POST with a JSON body. */
  kind: 'command' | 'webhook';
  /** The command (kind `command`). */
  command?: string;
  /** The URL (kind `webhook`). */
  url?: string;
  /** Extra webhook headers (values may be secrets: never logged). */
  headers?: Record<string, string>;
  /** Timeout, ms. */
  timeoutMs: number;
  /** May run again after the controller was killed while it ran. */
  idempotent: boolean;
  /** Working folder for commands (the playbook's folder). Default: the process's. */
  cwd?: string;
}

/** A custom check: a command's exit code or an HTTP GET's status. */
export interface CustomCheckSpec {
  name: string;
  kind: 'command' | 'http';
  command?: string;
  url?: string;
  /** Passing statuses; empty = any 2xx. */
  expectStatus: number[];
  timeoutMs: number;
  cwd?: string;
}

/** Gate thresholds of one stage, defaults filled in; an absent gate is not evaluated. */
export interface GateConfig {
  /** Metrics window per evaluation (clipped at the stage's hold start), ms. */
  windowMs: number;
  /** How far back legacy's baseline may reach when the window has too few legacy calls, ms. */
  baselineWindowMs: number;
  errorRate?: { maxAbsolute?: number; relative?: { alpha: number; minDifference: number }; minCalls: number };
  latency?: { maxP99Ratio?: number; maxP99Ms?: number; minCalls: number };
  shadow?: { maxMismatchRate: number; minCompared: number };
  reconcile?: { maxMismatches: number };
  custom: CustomCheckSpec[];
}

/** Work a stage does through {@link StageActions} when it is entered. */
export type StageActionSpec =
  | { t: 'prepare'; connectivity: boolean; schema: boolean }
  | { t: 'backfill'; tables: string[]; maxRowsPerSecond?: number };

/** One stage, resolved. */
export interface PlannedStage {
  index: number;
  name: string;
  /** The playbook's kind: prepare, dual-write, backfill, verify, shift-reads, shift-writes, shift, retire. */
  kind: string;
  /** The effective split once this stage is in effect (every target, cumulative). */
  split: SplitState;
  /** The effective dual-write mode once this stage is in effect. */
  dualWrite: DualWriteMode;
  holdMs: number;
  /** How long past the hold an inconclusive stage waits before `onInconclusive`, ms. */
  inconclusiveTimeoutMs: number;
  /** Consecutive failing evaluations that trigger a rollback. */
  failureLimit: number;
  gates: GateConfig;
  preStage: HookSpec[];
  postStage: HookSpec[];
  /** Run on entering, in order. */
  actions: StageActionSpec[];
  /** Run a reconcile once the hold has elapsed. */
  reconcile?: { tables: string[]; repair: boolean };
}

/** The whole plan. */
export interface RolloutPlan {
  migration: string;
  stages: PlannedStage[];
  /** The state before the first stage: what `abort` returns to. */
  initial: { split: SplitState; dualWrite: DualWriteMode };
  /** Gate evaluation interval, ms. */
  intervalMs: number;
  /** Lease time-to-live, ms. */
  leaseTtlMs: number;
  onInconclusive: 'pause' | 'rollback';
  onRollback: HookSpec[];
  onComplete: HookSpec[];
  /** Method → class for methods with their own split target (to avoid counting them twice). */
  methodClass: Record<string, string>;
  /** Identifies the stage structure (names and kinds); a resumed rollout must match it. */
  fingerprint: string;
}

/** The split and mode in effect at stage `index` (-1: the initial state). */
export function effectAt(plan: RolloutPlan, index: number): { split: SplitState; dualWrite: DualWriteMode } {
  const s = index >= 0 ? plan.stages[index] : undefined;
  return s ? { split: s.split, dualWrite: s.dualWrite } : plan.initial;
}

/** Every route target the plan ever sets. */
export function planTargets(plan: RolloutPlan): RouteTarget[] {
  const all = new Set<RouteTarget>(Object.keys(plan.initial.split) as RouteTarget[]);
  for (const s of plan.stages) for (const t of Object.keys(s.split)) all.add(t as RouteTarget);
  return [...all].sort();
}
