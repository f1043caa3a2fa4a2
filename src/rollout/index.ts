/** The gray-release controller: plan types, the persisted state machine, gates, statistics, hooks, status and audit reports. */
export { createController, type Controller, type ControllerOptions } from './controller.js';
export type { RolloutPlan, PlannedStage, GateConfig, HookSpec, CustomCheckSpec, StageActionSpec, SplitState } from './plan.js';
export type { RolloutState, RolloutStatus, Phase } from './state.js';
export type { StageActions, ActionContext, ActionResult } from './actions.js';
export type { RolloutStore } from './store.js';
export { createDbRolloutStore, createDbGateSources } from './db-store.js';
export { createMemoryRolloutStore, type MemoryRolloutStore } from './memory-store.js';
export type { GateSources, GateResult, Evaluation, GateOutcome } from './gates/types.js';
export { evaluateStage, type CheckRunner } from './gates/evaluate.js';
export { twoProportionZTest, normalSf, type TwoProportionResult } from './stats.js';
export { createHookRunner, createCheckRunner, type HookRunner, type HookContext, type HookResult } from './hooks.js';
export { systemClock, createFakeClock, type Clock, type FakeClock } from './clock.js';
export { submitCommand, type SubmitOptions, type SubmitResult } from './submit.js';
export { COMMAND_KINDS, type CommandKind } from './commands.js';
export { readStatus, type RolloutStatusReport } from './status.js';
export { buildAuditTrail, type AuditTrail } from './audit/model.js';
export { renderAuditMarkdown } from './audit/markdown.js';
export { renderAuditHtml } from './audit/html.js';
