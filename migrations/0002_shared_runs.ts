/**
 * Tables written by one component and read by another (the contracts between them):
 * proxy metric snapshots and shadow mismatches (proxy → controller gates), reconcile runs
 * and mismatches (reconciler → controller gates and reports). Each component may add its
 * own private tables in later migrations.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per proxy × method × upstream × interval. Counters are deltas for the interval.
  // `latency_json` is a histogram: {"boundsMs":[...],"counts":[...]} with counts.length =
  // boundsMs.length + 1 (last bucket: above the last bound), so proxies' snapshots can be
  // summed and a p99 computed across them.
  await knex.schema.createTable('sy_metric_snapshots', (t) => {
    t.bigIncrements('id').primary();
    t.string('migration', 128).notNullable().defaultTo('');
    t.string('proxy_id', 256).notNullable();
    t.bigInteger('at_ms').notNullable(); // end of the interval
    t.integer('interval_ms').notNullable();
    t.string('method', 512).notNullable();
    t.string('method_class', 64).notNullable().defaultTo('default'); // reads | writes | default
    t.string('upstream', 16).notNullable(); // legacy | next
    t.bigInteger('calls').notNullable().defaultTo(0);
    t.bigInteger('errors').notNullable().defaultTo(0); // calls ending with a server-fault code
    t.text('codes_json').notNullable().defaultTo('{}'); // {"UNAVAILABLE": 3, ...}
    t.text('latency_json').notNullable().defaultTo('{}');
    t.bigInteger('shadow_compared').notNullable().defaultTo(0);
    t.bigInteger('shadow_mismatched').notNullable().defaultTo(0);
    t.bigInteger('shadow_dropped').notNullable().defaultTo(0);
    t.index(['migration', 'at_ms']);
  });
  await knex.schema.createTable('sy_shadow_mismatches', (t) => {
    t.bigIncrements('id').primary();
    t.string('migration', 128).notNullable().defaultTo('');
    t.string('proxy_id', 256).notNullable();
    t.bigInteger('at_ms').notNullable();
    t.string('method', 512).notNullable();
    t.string('primary_upstream', 16).notNullable();
    t.text('diff_json').notNullable(); // [{path, primary, shadow}]
    t.index(['migration', 'at_ms']);
  });
  // One row per reconcile run. `status`: running | consistent | inconsistent | error.
  await knex.schema.createTable('sy_reconcile_runs', (t) => {
    t.bigIncrements('id').primary();
    t.string('migration', 128).notNullable().defaultTo('');
    t.string('stage', 128).notNullable().defaultTo('');
    t.bigInteger('started_at_ms').notNullable();
    t.bigInteger('finished_at_ms').nullable();
    t.string('status', 32).notNullable();
    t.string('legacy', 512).notNullable(); // redacted URL
    t.string('next', 512).notNullable(); // redacted URL
    t.bigInteger('rows_legacy').notNullable().defaultTo(0);
    t.bigInteger('rows_next').notNullable().defaultTo(0);
    t.bigInteger('missing_in_next').notNullable().defaultTo(0);
    t.bigInteger('extra_in_next').notNullable().defaultTo(0);
    t.bigInteger('changed').notNullable().defaultTo(0);
    t.text('params_json').notNullable().defaultTo('{}');
    t.text('report_json').nullable(); // the full JSON report once finished
    t.text('error').nullable();
    t.index(['migration', 'id']);
  });
  await knex.schema.createTable('sy_reconcile_mismatches', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('run_id').unsigned().notNullable().references('id').inTable('sy_reconcile_runs').onDelete('CASCADE');
    t.string('table_name', 256).notNullable();
    t.text('key_json').notNullable();
    t.string('kind', 32).notNullable(); // missing-in-next | extra-in-next | changed
    t.text('columns_json').notNullable().defaultTo('[]');
    t.text('legacy_json').nullable();
    t.text('next_json').nullable();
    t.index(['run_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['sy_reconcile_mismatches', 'sy_reconcile_runs', 'sy_shadow_mismatches', 'sy_metric_snapshots']) await knex.schema.dropTableIfExists(t);
}
