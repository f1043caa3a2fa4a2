/** What the rollout commands share: the playbook and control-database options, and opening both. */
import os from 'node:os';
import type { Command } from 'commander';
import { openControl } from '../src/control/control-db.js';
import { createLogger, type Logger } from '../src/observability/logger.js';
import { loadPlaybook, type LoadedPlaybook } from '../src/playbook/load.js';
import { buildPlan } from '../src/playbook/plan.js';
import { createStageActions, type ClosableStageActions } from '../src/playbook/stage-actions.js';
import { createDbGateSources, createDbRolloutStore } from '../src/rollout/db-store.js';
import type { GateSources } from '../src/rollout/gates/types.js';
import type { RolloutPlan } from '../src/rollout/plan.js';
import type { RolloutStore } from '../src/rollout/store.js';
import type { Store } from '../src/store/connect.js';

/** Options every rollout command takes. */
export interface PlaybookCliOptions {
  playbook?: string;
  control?: string;
  json?: boolean;
}

/** Adds `--playbook` and `--control`. */
export function addPlaybookOptions(cmd: Command): Command {
  return cmd
    .option('-p, --playbook <file>', 'playbook file (default: $SWITCHYARD_PLAYBOOK or ./playbook.yaml)')
    .option('--control <url>', 'control database URL (default: the playbook\'s control.url, else sqlite://.switchyard/control.db)');
}

/** The playbook path from the option, the environment, or the default. */
export function playbookPath(opts: PlaybookCliOptions): string {
  return opts.playbook ?? process.env['SWITCHYARD_PLAYBOOK'] ?? 'playbook.yaml';
}

/** The process logger from the global `--log-level` (pretty on a TTY, JSON lines otherwise). */
export function cliLogger(cmd: Command): Logger {
  const level = cmd.optsWithGlobals<{ logLevel?: string }>().logLevel ?? 'info';
  return createLogger({ level: level as 'info' });
}

/** `user:<login>` for the audit trail. */
export function userActor(): string {
  let name = process.env['USER'] ?? process.env['LOGNAME'];
  if (!name) {
    try {
      name = os.userInfo().username;
    } catch {
      name = 'unknown';
    }
  }
  return `user:${name}`;
}

/** An opened playbook + control database. */
export interface RolloutEnv {
  loaded: LoadedPlaybook;
  plan: RolloutPlan;
  control: Store;
  store: RolloutStore;
  sources: GateSources;
  actions: ClosableStageActions;
  close(): Promise<void>;
}

/** Loads the playbook, builds the plan and opens the control database (migrations applied). */
export async function openRolloutEnv(opts: PlaybookCliOptions, options: { loadProto?: boolean } = {}): Promise<RolloutEnv> {
  const loaded = await loadPlaybook(playbookPath(opts), { loadProto: options.loadProto ?? false });
  const plan = buildPlan(loaded);
  const control = await openControl(opts.control ?? loaded.playbook.control.url);
  const actions = createStageActions({ playbook: loaded.playbook, control });
  return {
    loaded,
    plan,
    control,
    store: createDbRolloutStore(control.knex, { stageName: (i) => plan.stages[i]?.name ?? '' }),
    sources: createDbGateSources(control.knex),
    actions,
    async close() {
      await actions.close();
      await control.close();
    },
  };
}
