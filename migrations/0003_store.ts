/**
 * Store tables in the control database: backfill checkpoints. (The dual-write outbox lives in
 * each datastore's own database — `sy_outbox`, created by switchyard there — because an
 * outbox entry must commit in the same transaction as the write it records.)
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per backfill (source table → target table between two stores). `last_key_json`
  // is the key of the last row of the last chunk known to be written to the target (null:
  // nothing yet); a rerun resumes after it. Updated once per chunk.
  await knex.schema.createTable('sy_backfill_runs', (t) => {
    t.string('run_key', 255).primary(); // `<source table>-><target table>@<hash of redacted URLs>`
    t.string('migration', 128).notNullable().defaultTo('');
    t.string('source', 512).notNullable(); // redacted URL
    t.string('target', 512).notNullable(); // redacted URL
    t.string('source_table', 256).notNullable();
    t.string('target_table', 256).notNullable();
    t.string('status', 32).notNullable(); // running | completed | failed
    t.text('key_columns_json').notNullable(); // ["id"]
    t.text('last_key_json').nullable();
    t.bigInteger('rows_copied').notNullable().defaultTo(0);
    t.bigInteger('chunks').notNullable().defaultTo(0);
    t.integer('attempt').notNullable().defaultTo(1); // runs of this backfill (resumes count)
    t.bigInteger('started_at_ms').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
    t.bigInteger('finished_at_ms').nullable();
    t.text('error').nullable();
    t.text('params_json').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sy_backfill_runs');
}
