/**
 * Gates: the checks a stage must pass while it holds. Every field is optional here so a
 * stage can override single fields of the playbook-wide `gates:`; defaults are filled in
 * when the plan is built (see `DEFAULT_GATES` in src/playbook/plan-gates.ts).
 */
import { z } from 'zod';
import { duration, fraction, identifier, positiveInt } from './common.js';

const minSample = z.number().int({ message: 'expected a whole number' }).min(1, { message: 'expected at least 1' });

/** Next's error rate, absolute and against legacy (two-proportion z-test). */
export const errorRateGate = z.strictObject({
  enabled: z.boolean().optional().describe('default true when the gate is configured'),
  maxAbsolute: fraction.optional().describe('next\'s error rate must not exceed this (0–1)'),
  relative: z
    .strictObject({
      alpha: z.number().gt(0).lt(0.5).optional().describe('significance level of the one-sided test "next errs more than legacy"; default 0.05'),
      minDifference: fraction.optional().describe('differences below this (absolute, 0–1) never fail the gate; default 0'),
    })
    .optional()
    .describe('compare with legacy; fails when next is significantly worse'),
  minCalls: minSample.optional().describe('calls needed on each side before the gate can pass; fewer = inconclusive; default 100'),
});

/** p99 latency of next against legacy. */
export const latencyGate = z.strictObject({
  enabled: z.boolean().optional(),
  maxP99Ratio: z.number().gt(0).optional().describe('next p99 / legacy p99 must not exceed this; default 1.5'),
  maxP99: duration.optional().describe('next p99 must not exceed this absolute bound; default none'),
  minCalls: minSample.optional().describe('calls needed on each side; default 100'),
});

/** Shadow comparison mismatches. */
export const shadowGate = z.strictObject({
  enabled: z.boolean().optional(),
  maxMismatchRate: fraction.optional().describe('mismatched / compared must not exceed this; default 0'),
  minCompared: minSample.optional().describe('comparisons needed; default 100'),
});

/** Reconcile mismatches (from the latest reconcile run that started in this stage). */
export const reconcileGate = z.strictObject({
  enabled: z.boolean().optional(),
  maxMismatches: z.number().int().min(0).optional().describe('missing + extra + changed rows allowed; default 0'),
});

/** A custom check: a command's exit code or an HTTP endpoint's status. */
export const customCheck = z
  .strictObject({
    name: identifier.describe('shown in the audit trail as gate:<name>'),
    command: z.string().min(1).optional().describe('shell command; exit code 0 passes'),
    http: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).optional().describe('URL to GET'),
    expectStatus: z.array(z.number().int().min(100).max(599)).optional().describe('passing HTTP statuses; default any 2xx'),
    timeout: duration.optional().describe('default 30s; a timeout fails the check'),
  })
  .superRefine((c, ctx) => {
    if ((c.command === undefined) === (c.http === undefined)) ctx.addIssue({ code: 'custom', message: 'a custom check needs exactly one of "command" or "http"' });
  });

/** The gates of a stage (or the playbook-wide defaults). */
export const gatesSection = z.strictObject({
  window: duration.optional().describe('metrics window for each evaluation (clipped at the stage start); default 5m'),
  baselineWindow: duration.optional().describe('how far back legacy\'s baseline may reach when it has too few calls in the window; default 1h'),
  errorRate: errorRateGate.optional(),
  latency: latencyGate.optional(),
  shadow: shadowGate.optional(),
  reconcile: reconcileGate.optional(),
  custom: z.array(customCheck).optional().describe('a stage\'s list replaces the playbook-wide list'),
});

/** Controller settings. */
export const controllerSection = z.strictObject({
  interval: duration.prefault('30s').describe('how often gates are evaluated; default 30s'),
  leaseTtl: duration.prefault('30s').describe('a controller that stops renewing its lease loses it after this long; default 30s'),
  failureLimit: positiveInt.default(3).describe('consecutive failing evaluations that trigger a rollback; default 3'),
  inconclusiveTimeout: duration
    .prefault('30m')
    .describe('how long past the hold a stage may stay inconclusive (too little data) before onInconclusive applies; default 30m'),
  onInconclusive: z.enum(['pause', 'rollback']).default('pause').describe('pause (default) or rollback when data stays inconclusive'),
});
