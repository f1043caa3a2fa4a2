/** Manual control: `pause`, `resume`, `promote [--full]`, `abort`, `rollback`, `shift PERCENT`, each recorded with actor user:<name>. */
import type { Command } from 'commander';
import { fail } from '../../src/errors.js';
import { percentToBp, type RouteTarget } from '../../src/control/routes.js';
import { submitCommand } from '../../src/rollout/submit.js';
import { printJson, printLines } from '../print.js';
import { addPlaybookOptions, cliLogger, openRolloutEnv, userActor, type PlaybookCliOptions } from '../rollout-env.js';

interface ControlOptions extends PlaybookCliOptions {
  reason?: string;
  wait: string;
  full?: boolean;
  class?: string[];
  method?: string[];
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

async function submit(kind: string, args: Record<string, unknown>, opts: ControlOptions, cmd: Command): Promise<void> {
  const waitS = Number(opts.wait);
  if (!Number.isFinite(waitS) || waitS < 0) throw fail('INVALID_ARGUMENT', `--wait: expected seconds ≥ 0, got "${opts.wait}"`);
  const env = await openRolloutEnv(opts);
  try {
    const r = await submitCommand({
      plan: env.plan,
      store: env.store,
      actions: env.actions,
      sources: env.sources,
      logger: cliLogger(cmd),
      command: { kind, args, actor: userActor(), reason: opts.reason ?? '' },
      waitMs: waitS * 1000,
    });
    const stage = r.state ? (env.plan.stages[r.state.stageIndex]?.name ?? null) : null;
    if (r.status === 'rejected') {
      throw fail('ROLLOUT_COMMAND_REJECTED', r.result, { hint: 'see `switchyard status` for the rollout\'s state', details: { command: kind, id: r.id } });
    }
    if (opts.json) printJson({ command: kind, id: r.id, status: r.status, result: r.result, appliedBy: r.appliedBy, rolloutStatus: r.state?.status ?? null, stage });
    else printLines([`${kind}: ${r.result} (applied by ${r.appliedBy}; rollout ${r.state?.status ?? '-'} at ${stage ?? '-'})`]);
  } finally {
    await env.close();
  }
}

function base(program: Command, name: string, description: string): Command {
  return addPlaybookOptions(program.command(name))
    .description(description)
    .option('--reason <text>', 'why, for the audit trail')
    .option('--wait <seconds>', 'how long to wait for a running controller to apply it', '30')
    .option('--json', 'print the outcome as one JSON object');
}

/** Registers the manual control commands. */
export function registerControl(program: Command): void {
  base(program, 'pause', 'pause the rollout: the split stays, gates and stages stop').action((o: ControlOptions, c: Command) => submit('pause', {}, o, c));
  base(program, 'resume', 'resume a paused rollout (the hold restarts), or retry the stage that was rolled back').action((o: ControlOptions, c: Command) => submit('resume', {}, o, c));
  base(program, 'promote', 'end the current stage now and move to the next one')
    .option('--full', 'go straight to the last stage')
    .action((o: ControlOptions, c: Command) => submit('promote', { full: o.full === true }, o, c));
  base(program, 'abort', 'roll everything back to legacy (the state before the first stage) and stop for good').action((o: ControlOptions, c: Command) => submit('abort', {}, o, c));
  base(program, 'rollback', 'roll back to the last stage that held').action((o: ControlOptions, c: Command) => submit('rollback', {}, o, c));
  base(program, 'shift', 'set the split by hand (0–100, two decimals) and pause the rollout so it stays')
    .argument('<percent>', 'share of calls to the next upstream, e.g. 5 or 0.25')
    .option('--class <name>', 'only this method class (reads, writes); repeatable', collect)
    .option('--method <path>', 'only this method (/pkg.Service/Method); repeatable', collect)
    .action((percent: string, o: ControlOptions, c: Command) => {
      const n = Number(percent);
      if (percent.trim() === '' || !Number.isFinite(n)) throw fail('INVALID_ARGUMENT', `shift: "${percent}" is not a number`, { hint: 'give a percentage from 0 to 100, e.g. `switchyard shift 5`' });
      const bp = percentToBp(n);
      const targets: RouteTarget[] = [...(o.class ?? []).map((x) => `class:${x}` as const), ...(o.method ?? []).map((m) => `method:${m}` as const)];
      return submit('shift', { bp, targets }, o, c);
    });
}
