/** The text form of `switchyard status`. */
import type { GateResult } from '../src/rollout/gates/types.js';
import { formatBp } from '../src/rollout/format.js';
import type { SplitState } from '../src/rollout/plan.js';
import type { RolloutStatusReport } from '../src/rollout/status.js';
import { dur, table, when } from './print.js';

function splitText(split: SplitState | null): string {
  if (!split) return '-';
  const parts = Object.entries(split).map(([t, bp]) => `${t.replace(/^class:/, '')} ${formatBp(bp)}`);
  return parts.length ? parts.join(', ') : 'none set (0%)';
}

function gateValue(g: GateResult): string {
  if (g.value === undefined || g.value === null) return '-';
  if (g.gate.startsWith('errorRate') && g.gate !== 'errorRate.relative') return `${(g.value * 100).toFixed(2)}%`;
  if (g.gate === 'errorRate.relative') return `p=${g.value.toPrecision(3)}`;
  if (g.gate === 'shadow') return `${(g.value * 100).toFixed(3)}%`;
  if (g.gate === 'latency') return Number.isFinite(g.value) ? g.value.toFixed(2) : '∞';
  return String(g.value);
}

function threshold(g: GateResult): string {
  if (g.threshold === undefined) return '-';
  if (g.gate === 'errorRate' || g.gate === 'shadow') return `≤ ${(g.threshold * 100).toFixed(2)}%`;
  if (g.gate === 'errorRate.relative') return `p ≥ α=${g.threshold}`;
  return `≤ ${g.threshold}`;
}

/** Renders a status report. */
export function renderStatus(r: RolloutStatusReport): string[] {
  const lines: string[] = [];
  const stage = r.stage ? `${r.stage.name} (${r.stage.kind}, stage ${r.stage.index + 1} of ${r.stage.of})` : '-';
  lines.push(`migration  ${r.migration}`);
  lines.push(`status     ${r.status}${r.phase ? ` / ${r.phase}` : ''}${r.reason ? ` — ${r.reason}` : ''}`);
  lines.push(`stage      ${stage}${r.lastGoodStage ? `; last good: ${r.lastGoodStage}` : ''}`);
  lines.push(`split      ${splitText(r.split)}${r.stageSplit && splitText(r.stageSplit) !== splitText(r.split) ? `   (stage wants ${splitText(r.stageSplit)})` : ''}`);
  lines.push(`dual-write ${r.dualWrite ?? '-'}`);
  if (r.hold) lines.push(`hold       ${dur(r.hold.holdMs - r.hold.remainingMs)} of ${dur(r.hold.holdMs)}${r.hold.remainingMs > 0 ? `, ${dur(r.hold.remainingMs)} left` : ' elapsed: waiting for passing gates'}`);
  if (r.failures) lines.push(`failures   ${r.failures.consecutive} in a row (rollback at ${r.failures.limit})`);
  if (r.nextEvaluationAtMs) lines.push(`next check ${r.nextEvaluationAtMs > r.atMs ? `in ${dur(r.nextEvaluationAtMs - r.atMs)}` : 'due'}`);
  lines.push(`controller ${r.lease ? `${r.lease.owner}${r.lease.live ? '' : ' (lease expired: not running)'}` : 'none running'}`);
  if (r.pendingCommands.length) lines.push(`queued     ${r.pendingCommands.map((c) => `#${c.id} ${c.kind} by ${c.actor}`).join(', ')}`);
  if (r.evaluation) {
    lines.push('', `gates (evaluated ${when(r.evaluation.atMs)}: ${r.evaluation.outcome})`);
    const rows = [['gate', 'result', 'value', 'threshold', 'detail'], ...r.evaluation.gates.map((g) => [g.gate, g.outcome, gateValue(g), threshold(g), g.detail])];
    lines.push(...(r.evaluation.gates.length ? table(rows) : ['  (no gates configured for this stage)']));
  }
  if (r.events.length) {
    lines.push('', 'recent events');
    lines.push(...table(r.events.map((e) => [when(e.atMs), e.kind, e.actor, e.reason])));
  }
  return lines;
}
