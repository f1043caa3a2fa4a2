/** `switchyard migrate`: applies the control-database migrations. */
import type { Command } from 'commander';
import { openControl } from '../../src/control/control-db.js';
import { migrateControl } from '../../src/control/migrate.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the control-database migrations (safe to run from several processes at once)')
    .option('--control <url>', 'control database URL (default: sqlite://.switchyard/control.db)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { control?: string; json?: boolean }) => {
      const store = await openControl(opts.control, { migrate: false });
      try {
        const results = await migrateControl(store);
        if (opts.json) process.stdout.write(JSON.stringify({ control: store.url.redacted, migrations: results }) + '\n');
        else for (const r of results) process.stdout.write(`${r.status === 'applied' ? 'applied ' : 'ok      '} ${r.name}\n`);
      } finally {
        await store.close();
      }
    });
}
