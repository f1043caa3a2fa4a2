/** Playbooks: loading (YAML, `${ENV}`, zod), the JSON Schema, the rollout plan, and the stage actions. */
export { loadPlaybook, parsePlaybook, type LoadedPlaybook, type LoadPlaybookOptions } from './load.js';
export { playbookSchema, type Playbook } from './schema/playbook.js';
export { playbookJsonSchema } from './json-schema.js';
export { buildPlan } from './plan.js';
export { createStageActions, type StageActionsOptions, type ClosableStageActions } from './stage-actions.js';
export { scaffoldPlaybook, type ScaffoldOptions } from './scaffold.js';
export { formatPath, type PlaybookIssue } from './issues.js';
export { parseDuration, formatDuration } from './duration.js';
