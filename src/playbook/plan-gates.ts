/** Gate defaults and the merge of playbook-wide gates with a stage's overrides. */
import type { CustomCheckSpec, GateConfig } from '../rollout/plan.js';
import type { gatesSection } from './schema/gates.js';
import type { z } from 'zod';

type GatesInput = z.output<typeof gatesSection>;

/** Defaults for every gate field. */
export const DEFAULT_GATES = Object.freeze({
  windowMs: 5 * 60_000,
  baselineWindowMs: 60 * 60_000,
  minCalls: 100,
  alpha: 0.05,
  minDifference: 0,
  maxP99Ratio: 1.5,
  maxMismatchRate: 0,
  minCompared: 100,
  maxMismatches: 0,
  commandTimeoutMs: 30_000,
});

const on = <T extends { enabled?: boolean | undefined }>(g: T | undefined): g is T => g !== undefined && g.enabled !== false;

/** Merges `stage` over `global` field by field and fills defaults. `reconcileByDefault`: the stage runs a reconcile. */
export function mergeGates(global: GatesInput, stage: GatesInput | undefined, reconcileByDefault: boolean, cwd: string): GateConfig {
  const pick = <K extends keyof GatesInput>(k: K): GatesInput[K] => {
    const a = global[k];
    const b = stage?.[k];
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) return { ...a, ...b } as GatesInput[K];
    return (b ?? a) as GatesInput[K];
  };
  const out: GateConfig = { windowMs: pick('window') ?? DEFAULT_GATES.windowMs, baselineWindowMs: pick('baselineWindow') ?? DEFAULT_GATES.baselineWindowMs, custom: [] };
  const er = pick('errorRate');
  if (on(er)) {
    const relative = er.relative || er.maxAbsolute === undefined ? { alpha: er.relative?.alpha ?? DEFAULT_GATES.alpha, minDifference: er.relative?.minDifference ?? DEFAULT_GATES.minDifference } : undefined;
    out.errorRate = { maxAbsolute: er.maxAbsolute, relative, minCalls: er.minCalls ?? DEFAULT_GATES.minCalls };
  }
  const lat = pick('latency');
  if (on(lat)) out.latency = { maxP99Ratio: lat.maxP99Ratio ?? (lat.maxP99 === undefined ? DEFAULT_GATES.maxP99Ratio : undefined), maxP99Ms: lat.maxP99, minCalls: lat.minCalls ?? DEFAULT_GATES.minCalls };
  const sh = pick('shadow');
  if (on(sh)) out.shadow = { maxMismatchRate: sh.maxMismatchRate ?? DEFAULT_GATES.maxMismatchRate, minCompared: sh.minCompared ?? DEFAULT_GATES.minCompared };
  const rc = pick('reconcile') ?? (reconcileByDefault ? {} : undefined);
  if (on(rc)) out.reconcile = { maxMismatches: rc.maxMismatches ?? DEFAULT_GATES.maxMismatches };
  const custom = stage?.custom ?? global.custom ?? [];
  out.custom = custom.map(
    (c): CustomCheckSpec => ({ name: c.name, kind: c.command !== undefined ? 'command' : 'http', command: c.command, url: c.http, expectStatus: c.expectStatus ?? [], timeoutMs: c.timeout ?? DEFAULT_GATES.commandTimeoutMs, cwd }),
  );
  return out;
}
