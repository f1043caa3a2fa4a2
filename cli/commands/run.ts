/** `switchyard run`: drives the rollout stage by stage; killed, it resumes where it was when run again. */
import type { Command } from 'commander';
import { createController } from '../../src/rollout/controller.js';
import type { RolloutState } from '../../src/rollout/state.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLines } from '../print.js';
import { addPlaybookOptions, cliLogger, openRolloutEnv, type PlaybookCliOptions } from '../rollout-env.js';

function outcome(state: RolloutState, stageName: string, interrupted: boolean): { code: number; line: string } {
  if (state.status === 'completed') return { code: EXIT.OK, line: `rollout ${state.migration}: completed` };
  if (state.status === 'rolled-back') return { code: EXIT.FAILED, line: `rollout ${state.migration}: rolled back at ${stageName}: ${state.reason}\nhint: fix the cause, then \`switchyard resume\` (retries ${stageName}) and \`switchyard run\`` };
  if (state.status === 'aborted') return { code: EXIT.FAILED, line: `rollout ${state.migration}: aborted: ${state.reason}` };
  return { code: interrupted ? EXIT.INTERRUPTED : EXIT.OK, line: `rollout ${state.migration}: stopped while ${state.status} at ${stageName}; run again to resume` };
}

/** Registers `switchyard run`. */
export function registerRun(program: Command): void {
  addPlaybookOptions(program.command('run'))
    .description('drive the rollout through its stages (resumes where it was; one controller per migration)')
    .option('--json', 'print the final state as one JSON object')
    .action(async (opts: PlaybookCliOptions, cmd: Command) => {
      const logger = cliLogger(cmd);
      const env = await openRolloutEnv(opts, { loadProto: true });
      const abort = new AbortController();
      const stop = (): void => {
        logger.warn('stopping: the rollout stays where it is; run again to resume');
        abort.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const controller = createController({ plan: env.plan, store: env.store, actions: env.actions, sources: env.sources, logger });
        const start = await controller.acquire();
        logger.info({ migration: env.plan.migration, owner: controller.owner, status: start.status, stage: env.plan.stages[start.stageIndex]?.name }, start.status === 'pending' ? 'starting rollout' : 'resuming rollout');
        const state = await controller.run(abort.signal);
        const stageName = env.plan.stages[state.stageIndex]?.name ?? String(state.stageIndex);
        const r = outcome(state, stageName, abort.signal.aborted);
        if (opts.json) printJson({ migration: state.migration, status: state.status, stage: stageName, stageIndex: state.stageIndex, lastGoodStage: env.plan.stages[state.lastGoodStageIndex]?.name ?? null, reason: state.reason });
        else printLines([r.line]);
        process.exitCode = r.code;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await env.close();
      }
    });
}
