/**
 * The `switchyard` command. Thin: each command lives in `cli/commands/<name>.ts`, returns a
 * result, and only this entry prints errors and sets the exit code.
 */
import { Command, CommanderError } from 'commander';
import { SwitchyardError } from '../src/errors.js';
import { registerMigrate } from './commands/migrate.js';
import { registerBackfill } from './commands/backfill.js';
import { registerControl } from './commands/control.js';
import { registerInit } from './commands/init.js';
import { registerPlan } from './commands/plan.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerProxy } from './commands/proxy.js';
import { registerStatus } from './commands/status.js';
import { registerDemo } from './commands/demo.js';
import { EXIT } from './exit-codes.js';

const program = new Command();
program
  .name('switchyard')
  .description('Zero-downtime migration: gRPC → WebSocket, MySQL → PostgreSQL')
  .option('--log-level <level>', 'log level: trace, debug, info, warn, error, silent', 'info')
  .showHelpAfterError()
  .exitOverride();

registerMigrate(program);
registerBackfill(program);
registerInit(program);
registerPlan(program);
registerReconcile(program);
registerReport(program);
registerRun(program);
registerStatus(program);
registerControl(program);
registerSchema(program);
registerProxy(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const e = SwitchyardError.from(err);
    process.stderr.write(`error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    process.exitCode = EXIT.ERROR;
  }
}
