/**
 * The stages of the flow: prepare → dual-write → backfill → verify → shift reads → shift
 * writes → retire. Each stage: split, hold, gates, hooks, plus what its kind does.
 */
import { z } from 'zod';
import { dualWriteMode, duration, identifier, methodPath, percent, positiveInt, stageHooks } from './common.js';
import { gatesSection } from './gates.js';

/** A split per method class, with per-method overrides. Classes not given keep the previous stage's split. */
export const split = z.strictObject({
  reads: percent.optional(),
  writes: percent.optional(),
  methods: z.record(methodPath, percent).optional().describe('per-method split, overriding its class'),
});

/** Fields every stage may have. */
const common = {
  name: identifier.optional().describe('unique stage name; default derived from the kind'),
  hold: duration.optional().describe('how long the stage holds with passing gates before the next; default 0 (shift stages: 5m)'),
  inconclusiveTimeout: duration.optional().describe('overrides controller.inconclusiveTimeout for this stage'),
  failureLimit: positiveInt.optional().describe('overrides controller.failureLimit for this stage'),
  split: split.optional().describe('the split this stage sets'),
  dualWrite: dualWriteMode.optional().describe('the dual-write mode this stage sets'),
  gates: gatesSection.optional().describe('overrides of the playbook-wide gates, field by field'),
  hooks: stageHooks.optional(),
  reconcile: z
    .strictObject({
      tables: z.array(identifier).optional().describe('logical tables; default all'),
      repair: z.boolean().default(false).describe('repair from legacy; default false'),
    })
    .optional()
    .describe('run a reconcile when the hold has elapsed; its mismatches feed the reconcile gate'),
};

const shiftSteps = z.array(percent).min(1, { message: 'expected at least one step' }).describe('percent steps; each becomes a stage, e.g. [1, 5, 25, 50, 100]');

/** One stage, by kind. */
export const stage = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('prepare'),
    ...common,
    checks: z
      .strictObject({
        connectivity: z.boolean().default(true).describe('datastores, upstreams and control database reachable; default true'),
        schema: z.boolean().default(true).describe('mapped tables and key columns exist on both sides; default true'),
      })
      .prefault({}),
  }),
  z.strictObject({ kind: z.literal('dual-write'), ...common }),
  z.strictObject({
    kind: z.literal('backfill'),
    ...common,
    tables: z.array(identifier).optional().describe('logical tables; default all'),
    maxRowsPerSecond: positiveInt.optional().describe('rate cap; default none'),
  }),
  z.strictObject({
    kind: z.literal('verify'),
    ...common,
    tables: z.array(identifier).optional().describe('logical tables; default all'),
    repair: z.boolean().default(false).describe('repair mismatches from legacy; default false'),
  }),
  z.strictObject({ kind: z.literal('shift-reads'), ...common, steps: shiftSteps }),
  z.strictObject({ kind: z.literal('shift-writes'), ...common, steps: shiftSteps }),
  z.strictObject({ kind: z.literal('shift'), ...common }),
  z.strictObject({ kind: z.literal('retire'), ...common }),
]);

/** A stage as written in the playbook. */
export type StageInput = z.output<typeof stage>;
/** Stage kinds. */
export type StageKind = StageInput['kind'];
