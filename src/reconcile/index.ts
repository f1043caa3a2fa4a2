/** The reconciler's public API. */
export { runReconcile } from './run.js';
export type { ReconcileOptions, TableSpec } from './options.js';
export { DEFAULTS as RECONCILE_DEFAULTS } from './options.js';
export type { ReconcileReport, TableReport, Mismatch, MismatchKind, ColumnDiff, ColumnRule, RepairResult, RemainingByKind } from './report/types.js';
export { REPORT_SCHEMA } from './report/types.js';
export { NORMALIZATION_RULES, NORMALIZATION_VERSION } from './normalization.js';
export { renderJson } from './report/json.js';
export { renderMarkdown } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { writeReports } from './report/write.js';
