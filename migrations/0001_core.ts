/**
 * Core control-database tables: routes (the traffic split), rollouts and their stage state,
 * and the append-only event log.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The desired split per migration and target. `target` is `class:reads`, `class:writes`,
  // `class:default` or `method:/pkg.Service/Method`. `split_bp` is the share sent to the next
  // upstream in basis points of a percent (0–10000 = 0.00–100.00 %). `version` grows on every
  // change (max(version) tells a proxy whether anything changed).
  await knex.schema.createTable('sy_routes', (t) => {
    t.string('migration', 128).notNullable();
    t.string('target', 512).notNullable();
    t.integer('split_bp').notNullable();
    t.bigInteger('version').notNullable();
    t.string('actor', 128).notNullable();
    t.text('reason').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
    t.primary(['migration', 'target']);
  });
  // One row per migration driven by a controller: where it is, and who holds the lease.
  await knex.schema.createTable('sy_rollouts', (t) => {
    t.string('migration', 128).primary();
    t.string('status', 32).notNullable(); // pending | running | paused | completed | aborted
    t.integer('stage_index').notNullable().defaultTo(0);
    t.string('stage_name', 128).notNullable().defaultTo('');
    t.string('phase', 32).notNullable().defaultTo('entering'); // entering | holding | leaving
    t.bigInteger('stage_started_at_ms').nullable();
    t.integer('last_good_stage_index').nullable();
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.text('state_json').notNullable().defaultTo('{}'); // controller-private state
    t.string('playbook_hash', 128).notNullable().defaultTo('');
    t.string('lease_owner', 256).nullable();
    t.bigInteger('lease_expires_at_ms').nullable();
    t.bigInteger('created_at_ms').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
  });
  // Append-only audit trail. Never updated or deleted.
  await knex.schema.createTable('sy_events', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at_ms').notNullable();
    t.string('migration', 128).notNullable().defaultTo('');
    t.string('component', 64).notNullable(); // controller | proxy | reconcile | backfill | dual-writer | cli
    t.string('actor', 128).notNullable(); // controller | user:<name> | gate:<name> | system
    t.string('kind', 64).notNullable(); // e.g. stage.entered, split.changed, gate.failed, rollback
    t.text('reason').notNullable().defaultTo('');
    t.text('data_json').notNullable().defaultTo('{}');
    t.index(['migration', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sy_events');
  await knex.schema.dropTableIfExists('sy_rollouts');
  await knex.schema.dropTableIfExists('sy_routes');
}
