/**
 * Reconciler tables in the control database: per-table checkpoints so a killed run resumes
 * where it stopped. (Runs and mismatches are the shared `sy_reconcile_runs` and
 * `sy_reconcile_mismatches` of 0002, read by the rollout gates.)
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per run × table, updated in the same transaction as the mismatches of the
  // segments it covers. `state_json`: the key after which the next segment starts, the
  // segments done, and the running totals (docs/reconcile.md, "Resuming").
  await knex.schema.createTable('sy_reconcile_checkpoints', (t) => {
    t.bigInteger('run_id').unsigned().notNullable().references('id').inTable('sy_reconcile_runs').onDelete('CASCADE');
    t.string('table_name', 256).notNullable();
    t.string('status', 32).notNullable(); // running | done
    t.bigInteger('segments_done').notNullable().defaultTo(0);
    t.text('state_json').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
    t.primary(['run_id', 'table_name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sy_reconcile_checkpoints');
}
