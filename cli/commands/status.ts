/** `switchyard status [--watch]`: stage, split, gate values against thresholds, time left in the hold, recent events. */
import type { Command } from 'commander';
import { fail } from '../../src/errors.js';
import { readStatus } from '../../src/rollout/status.js';
import { printJson, printLines } from '../print.js';
import { renderStatus } from '../render-status.js';
import { addPlaybookOptions, openRolloutEnv, type PlaybookCliOptions } from '../rollout-env.js';

interface StatusOptions extends PlaybookCliOptions {
  watch?: boolean;
  interval: string;
  events: string;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw fail('INVALID_ARGUMENT', `${name}: expected a positive number, got "${v}"`);
  return n;
}

/** Registers `switchyard status`. */
export function registerStatus(program: Command): void {
  addPlaybookOptions(program.command('status'))
    .description('show the rollout: stage, split, gate values against thresholds, hold time left, recent events')
    .option('-w, --watch', 'refresh until interrupted')
    .option('--interval <seconds>', 'refresh interval with --watch', '2')
    .option('--events <n>', 'recent events to show', '10')
    .option('--json', 'print one JSON object (one per refresh with --watch)')
    .action(async (opts: StatusOptions) => {
      const intervalMs = positiveInt('--interval', opts.interval) * 1000;
      const events = Math.floor(positiveInt('--events', opts.events));
      const env = await openRolloutEnv(opts);
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        let last = '';
        do {
          const report = await readStatus(env.store, env.plan, Date.now(), events);
          if (opts.json) printJson(report);
          else {
            const text = renderStatus(report).join('\n');
            if (opts.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H' + text + '\n');
            else if (text !== last) printLines(last ? ['', text] : [text]);
            last = text;
          }
          if (!opts.watch) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, intervalMs);
            abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        } while (!abort.signal.aborted);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await env.close();
      }
    });
}
