/**
 * The `switchyard` command. Thin: each command lives in `cli/commands/<name>.ts`, returns a
 * result, and only this entry prints errors and sets the exit code.
 */
import { Command, CommanderError } from 'commander';
import { SwitchyardError } from '../src/errors.js';
import { EXIT } from './exit-codes.js';

const program = new Command();
program
  .name('switchyard')
  .description('Zero-downtime migration: gRPC → WebSocket, MySQL → PostgreSQL')
  .option('--log-level <level>', 'log level: trace, debug, info, warn, error, silent', 'info')
  .showHelpAfterError()
  .exitOverride();

type Register = (program: Command) => void;

// Each command's module is loaded only when it runs (the drivers, engines and protobuf loader
// behind them cost start-up time); `--help` and unknown commands load them all.
const control = async (): Promise<Register> => (await import('./commands/control.js')).registerControl;
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./commands/init.js')).registerInit,
  migrate: async () => (await import('./commands/migrate.js')).registerMigrate,
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  run: async () => (await import('./commands/run.js')).registerRun,
  status: async () => (await import('./commands/status.js')).registerStatus,
  pause: control,
  resume: control,
  promote: control,
  abort: control,
  rollback: control,
  shift: control,
  proxy: async () => (await import('./commands/proxy.js')).registerProxy,
  backfill: async () => (await import('./commands/backfill.js')).registerBackfill,
  reconcile: async () => (await import('./commands/reconcile.js')).registerReconcile,
  report: async () => (await import('./commands/report.js')).registerReport,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
};

/** The command named on the command line (skipping global options and their values). */
function commandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--log-level') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

const requested = commandName(process.argv.slice(2));
const loaders = requested && COMMANDS[requested] ? [COMMANDS[requested]] : [...new Set(Object.values(COMMANDS))];
for (const register of await Promise.all(loaders.map((load) => load()))) register(program);

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
