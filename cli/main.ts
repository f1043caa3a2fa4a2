/**
 * The `switchyard` command. Thin: each command lives in `cli/commands/<name>.ts`, returns a
 * result, and only this entry prints errors and sets the exit code.
 */
import { Command, CommanderError } from 'commander';
import { SwitchyardError } from '../src/errors.js';
import { registerMigrate } from './commands/migrate.js';
import { EXIT } from './exit-codes.js';

const program = new Command();
program
  .name('switchyard')
  .description('Zero-downtime migration: gRPC → WebSocket, MySQL → PostgreSQL')
  .option('--log-level <level>', 'log level: trace, debug, info, warn, error, silent', 'info')
  .showHelpAfterError()
  .exitOverride();

registerMigrate(program);

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
