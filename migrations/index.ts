/**
 * Every control-database migration, in order. Each module exports `up` and `down`.
 * Add new migrations at the end; never edit or reorder one that has shipped.
 */
import type { Knex } from 'knex';
import * as core from './0001_core.js';
import * as sharedRuns from './0002_shared_runs.js';
import * as store from './0003_store.js';
import * as reconcile from './0004_reconcile.js';
import * as rollout from './0005_rollout.js';

/** A migration module. */
export interface ControlMigration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Name → module, in the order they apply. */
export const CONTROL_MIGRATIONS: ReadonlyArray<readonly [string, ControlMigration]> = [
  ['0001_core', core],
  ['0002_shared_runs', sharedRuns],
  ['0003_store', store],
  ['0004_reconcile', reconcile],
  ['0005_rollout', rollout],
];
