/** One line per audit event, for the demo's console output. */
import type { StoredEvent } from '../control/events.js';

/** `+12.3s  stage.entered  reads-5%  (controller) reason`. */
export function describeEvent(e: StoredEvent, startedAtMs: number): string {
  const at = `+${((e.atMs - startedAtMs) / 1000).toFixed(1)}s`.padStart(8);
  const stage = typeof e.data['stage'] === 'string' ? ` ${e.data['stage']}` : '';
  const detail =
    e.kind === 'split.changed'
      ? ` ${String(e.data['target'])}: ${Number(e.data['fromBp'] ?? 0) / 100}% → ${Number(e.data['toBp']) / 100}%`
      : e.kind === 'dualwrite.changed'
        ? ` ${String(e.data['from'] ?? 'none')} → ${String(e.data['to'])}`
        : '';
  const reason = e.reason ? `  ${e.reason.length > 160 ? e.reason.slice(0, 157) + '…' : e.reason}` : '';
  return `${at}  ${e.kind.padEnd(20)}${stage}${detail}  (${e.actor})${reason}`;
}
