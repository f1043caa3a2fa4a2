/** `switchyard demo`: the whole migration flow end to end on one machine. */
import type { Command } from 'commander';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLines } from '../print.js';
import { createLogger } from '../../src/observability/logger.js';
import { cliLogger } from '../rollout-env.js';

interface DemoCliOptions {
  legacyUrl?: string;
  nextUrl?: string;
  dir?: string;
  fault?: string | boolean;
  faultRate?: string;
  seed?: string;
  rate?: string;
  hold?: string;
  json?: boolean;
}

/** The stage `--fault` picks when given without a value. */
export const DEFAULT_FAULT_STAGE = 'reads-25%';

function summary(r: DemoResult, fault: string | undefined): string[] {
  const calls = Object.entries(r.traffic)
    .filter(([m]) => m !== 'skipped')
    .map(([m, codes]) => `${m} ${Object.entries(codes).map(([c, n]) => `${c}=${n}`).join(' ')}`);
  const rec = r.lastReconcile;
  return [
    '',
    `rollout ${r.migration}: ${r.state.status} at ${r.stage}${r.state.reason ? ` (${r.state.reason})` : ''} in ${(r.durationMs / 1000).toFixed(1)} s`,
    ...(fault ? [`fault injected at ${fault}: ${r.state.status === 'rolled-back' ? 'caught by the gates and rolled back' : 'NOT caught'}`] : []),
    `client calls: ${calls.join('; ')}`,
    `backends: legacy ok=${r.backends.legacy.ok} failed=${r.backends.legacy.failed}; next ok=${r.backends.next.ok} failed=${r.backends.next.failed} (injected ${r.backends.next.injected})`,
    rec ? `last reconcile: ${rec.status} (legacy ${rec.rowsLegacy} rows, next ${rec.rowsNext} rows, missing in next ${rec.missingInNext}, extra in next ${rec.extraInNext}, changed ${rec.changed})` : 'last reconcile: none ran',
    `audit report: ${r.files.html}`,
    `              ${r.files.markdown}`,
  ];
}

/** Registers `switchyard demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole migration flow end to end on this machine (embedded SQLite stores by default)')
    .option('--legacy-url <url>', 'legacy store (default: an SQLite file in the demo folder)')
    .option('--next-url <url>', 'next store (default: an SQLite file in the demo folder)')
    .option('--dir <folder>', 'working folder for the control database, playbook and reports (default .switchyard/demo-<time>)')
    .option('--fault [stage]', `make the next backend fail from this stage on (default ${DEFAULT_FAULT_STAGE}) to show the gates rolling back`)
    .option('--fault-rate <share>', 'share of next\'s calls that fail once the fault is on, 0–1', '0.5')
    .option('--seed <messages>', 'messages of history in the legacy store before the migration', '3000')
    .option('--rate <calls>', 'client calls per second', '150')
    .option('--hold <seconds>', 'hold of each shift stage', '4')
    .option('--json', 'print the result as one JSON object')
    .action(async (opts: DemoCliOptions, cmd: Command) => {
      // The demo's own lines tell the story; the parts log errors only unless --log-level says otherwise.
      const explicitLevel = cmd.parent?.getOptionValueSource('logLevel') === 'cli';
      const logger = explicitLevel ? cliLogger(cmd) : createLogger({ level: 'error' });
      const fault = opts.fault === true ? DEFAULT_FAULT_STAGE : opts.fault || undefined;
      const result = await runDemo({
        ...(opts.legacyUrl ? { legacyUrl: opts.legacyUrl } : {}),
        ...(opts.nextUrl ? { nextUrl: opts.nextUrl } : {}),
        ...(opts.dir ? { dir: opts.dir } : {}),
        ...(fault ? { fault } : {}),
        faultRate: Number(opts.faultRate),
        seedMessages: Number(opts.seed),
        ratePerSec: Number(opts.rate),
        holdSeconds: Number(opts.hold),
        logger,
        ...(opts.json ? {} : { onLine: (line: string) => printLines([line]) }),
      });
      const expected = fault ? result.state.status === 'rolled-back' : result.state.status === 'completed';
      if (opts.json) printJson({ ...result, expected, events: result.events.length });
      else printLines(summary(result, fault));
      process.exitCode = expected ? EXIT.OK : EXIT.FAILED;
    });
}
