/** The audit trail as Markdown. */
import { formatBp } from '../format.js';
import { isoTime, type AuditTrail } from './model.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function splitText(split: Record<string, number>): string {
  return Object.entries(split).map(([t, bp]) => `${t.replace(/^class:/, '')} ${formatBp(bp)}`).join(', ') || '0%';
}

/** Renders `trail` as Markdown. */
export function renderAuditMarkdown(trail: AuditTrail): string {
  const out: string[] = [`# Rollout audit trail: ${trail.migration}`, ''];
  const s = trail.status;
  if (s) {
    out.push(`- Status: **${s.status}**${s.reason ? ` — ${cell(s.reason)}` : ''}`);
    out.push(`- Stage: ${s.stage ?? '-'}; last stage that held: ${s.lastGoodStage ?? '-'}`);
    out.push(`- Split now: ${splitText(s.split)}; dual-write: ${s.dualWrite ?? '-'}`);
  }
  const first = trail.events[0];
  const last = trail.events.at(-1);
  out.push(`- Events: ${trail.events.length}${first && last ? ` (${isoTime(first.atMs)} → ${isoTime(last.atMs)})` : ''}`);
  out.push(`- Generated: ${isoTime(trail.generatedAtMs)}`, '');
  out.push('## Stages', '', '| # | stage | entered | outcome | ended | by | gate failures | reason |', '|---|---|---|---|---|---|---|---|');
  trail.attempts.forEach((a, i) => out.push(`| ${i + 1} | ${cell(a.stage)} | ${isoTime(a.enteredAtMs)} | ${a.outcome} | ${isoTime(a.endedAtMs)} | ${cell(a.by || '-')} | ${a.gateFailures} | ${cell(a.reason || '-')} |`));
  out.push('', '## Rollbacks, blocks and manual actions', '');
  if (trail.notable.length === 0) out.push('None.');
  for (const e of trail.notable) out.push(`- ${isoTime(e.atMs)} **${e.kind}** by \`${e.actor}\`${e.data['stage'] ? ` at ${cell(String(e.data['stage']))}` : ''}: ${cell(e.reason || '-')}`);
  out.push('', '## Timeline', '', '| time (UTC) | event | actor | stage | reason |', '|---|---|---|---|---|');
  for (const e of trail.events) out.push(`| ${isoTime(e.atMs)} | ${e.kind} | ${cell(e.actor)} | ${cell(String(e.data['stage'] ?? '-'))} | ${cell(e.reason || '-')} |`);
  return out.join('\n') + '\n';
}
