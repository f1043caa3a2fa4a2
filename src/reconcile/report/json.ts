/** The JSON rendering: the report object itself, pretty-printed (`switchyard.reconcile/v1`). */
import type { ReconcileReport } from './types.js';

/** Renders the report as JSON text. */
export function renderJson(report: ReconcileReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
