/**
 * The gray-release controller's tables: a revision on each rollout row (optimistic
 * concurrency), the hook/action journal (intent and completion, so a resumed controller
 * never runs a hook twice for one transition), queued manual commands, and the dual-write
 * mode the controller sets per migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sy_rollouts', (t) => {
    t.bigInteger('revision').notNullable().defaultTo(0);
  });
  // One row per hook or stage action per transition: written as `started` before it runs,
  // `succeeded`/`failed` after. `op_key` is `<seq>:<point>:<index>`.
  await knex.schema.createTable('sy_rollout_ops', (t) => {
    t.string('migration', 128).notNullable();
    t.string('op_key', 191).notNullable();
    t.string('status', 16).notNullable(); // started | succeeded | failed
    t.string('description', 512).notNullable().defaultTo('');
    t.bigInteger('started_at_ms').notNullable();
    t.bigInteger('finished_at_ms').nullable();
    t.text('result_json').nullable();
    t.primary(['migration', 'op_key']);
  });
  // Manual control commands (pause, resume, promote, abort, rollback, shift), applied in id
  // order by whichever process holds the rollout's lease.
  await knex.schema.createTable('sy_rollout_commands', (t) => {
    t.bigIncrements('id').primary();
    t.string('migration', 128).notNullable();
    t.string('kind', 32).notNullable();
    t.text('args_json').notNullable().defaultTo('{}');
    t.string('actor', 128).notNullable();
    t.text('reason').notNullable().defaultTo('');
    t.bigInteger('created_at_ms').notNullable();
    t.string('status', 16).notNullable().defaultTo('pending'); // pending | applied | rejected
    t.bigInteger('finished_at_ms').nullable();
    t.text('result').nullable();
    t.index(['migration', 'status', 'id']);
  });
  // The dual-write mode the controller wants, per migration (table '*': every table).
  await knex.schema.createTable('sy_dual_write_modes', (t) => {
    t.string('migration', 128).notNullable();
    t.string('table_name', 191).notNullable();
    t.string('mode', 32).notNullable(); // legacy-only | dual-legacy-primary | dual-next-primary | next-only
    t.bigInteger('version').notNullable();
    t.string('actor', 128).notNullable();
    t.bigInteger('updated_at_ms').notNullable();
    t.primary(['migration', 'table_name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['sy_dual_write_modes', 'sy_rollout_commands', 'sy_rollout_ops']) await knex.schema.dropTableIfExists(t);
  await knex.schema.alterTable('sy_rollouts', (t) => {
    t.dropColumn('revision');
  });
}
