/** The whole playbook. Cross-field rules live in ./rules.ts. */
import { z } from 'zod';
import { dualWriteMode, hook, identifier } from './common.js';
import { controllerSection, gatesSection } from './gates.js';
import { proxySection } from './proxy.js';
import { stage } from './stages.js';

/** A datastore, by URL; the password only through ${ENV_VAR} (or `env:NAME`). */
export const datastore = z.strictObject({
  url: z.string().min(1).describe('mysql://, postgres:// or sqlite:// URL; put the whole URL or its password in ${ENV_VAR}'),
});

/** A logical column's physical name on each side (default: the logical name). */
const columnMapping = z.strictObject({
  legacy: z.string().min(1).optional().describe('physical column in the legacy table; default the logical name'),
  next: z.string().min(1).optional().describe('physical column in the next table; default the logical name'),
});

/** A logical table and where it lives on each side. */
export const tableMapping = z.strictObject({
  legacy: z.string().min(1).optional().describe('physical table in the legacy store; default the logical name'),
  next: z.string().min(1).optional().describe('physical table in the next store; default the logical name'),
  key: z.array(z.string().min(1)).min(1).optional().describe('key columns; default the primary key'),
  columns: z.record(z.string().min(1), columnMapping).optional().describe('renamed columns: logical column → {legacy, next} physical names; unlisted columns keep their names'),
  version: z.string().min(1).optional().describe('version column: a write never overwrites a higher version'),
  updatedAt: z.string().min(1).optional().describe('updated-at column: bounds what reconcile compares and backfill overwrites'),
});

/** A playbook. */
export const playbookSchema = z.strictObject({
  version: z.literal(1, { message: 'expected version: 1' }).describe('playbook format version; 1'),
  migration: identifier.describe('the migration\'s name: the key of its state, splits and audit trail in the control database'),
  description: z.string().optional(),
  control: z
    .strictObject({ url: z.string().min(1).optional().describe('control database URL; default sqlite://.switchyard/control.db') })
    .default({})
    .describe('the control database'),
  service: z.strictObject({
    protos: z.array(z.string().min(1)).min(1).describe('.proto files, relative to the playbook\'s folder'),
    includePaths: z.array(z.string().min(1)).default([]).describe('folders searched for imports, relative to the playbook\'s folder'),
  }),
  proxy: proxySection,
  datastores: z.strictObject({ legacy: datastore, next: datastore }).optional(),
  tables: z.record(identifier, tableMapping).default({}).describe('logical tables: dual write, backfill and reconcile work on these'),
  controller: controllerSection.prefault({}),
  initialDualWrite: dualWriteMode.default('legacy-only').describe('the dual-write mode before the first stage (what abort returns to); default legacy-only'),
  gates: gatesSection.default({}).describe('gates for every stage; stages override them field by field'),
  hooks: z
    .strictObject({
      preStage: z.array(hook).default([]).describe('before every stage; a failure blocks the stage'),
      postStage: z.array(hook).default([]).describe('after every stage held'),
      onRollback: z.array(hook).default([]).describe('after a rollback set the split back'),
      onComplete: z.array(hook).default([]).describe('once the last stage held'),
    })
    .prefault({}),
  stages: z.array(stage).min(1, { message: 'expected at least one stage' }),
});

/** A validated playbook (durations in ms, defaults filled in). */
export type Playbook = z.output<typeof playbookSchema>;
