/** The audit trail as one self-contained HTML page (no external assets). */
import { formatBp } from '../format.js';
import { isoTime, type AuditTrail } from './model.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const BAD = /rolled-back|rolled back|aborted|failed|blocked|rejected/;
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #dde1e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}tr.bad td{background:#fdecec}tr.user td{background:#eef4ff}code{background:#f3f5f8;padding:0 .25rem}
.summary li{margin:.15rem 0}.status{font-weight:600}`;

/** Renders `trail` as HTML. */
export function renderAuditHtml(trail: AuditTrail): string {
  const s = trail.status;
  const summary: string[] = [];
  if (s) {
    summary.push(`<li>Status: <span class="status">${esc(s.status)}</span>${s.reason ? ` — ${esc(s.reason)}` : ''}</li>`);
    summary.push(`<li>Stage: ${esc(s.stage ?? '-')}; last stage that held: ${esc(s.lastGoodStage ?? '-')}</li>`);
    const split = Object.entries(s.split).map(([t, bp]) => `${t.replace(/^class:/, '')} ${formatBp(bp)}`).join(', ') || '0%';
    summary.push(`<li>Split now: ${esc(split)}; dual-write: ${esc(s.dualWrite ?? '-')}</li>`);
  }
  summary.push(`<li>Events: ${trail.events.length}</li><li>Generated: ${esc(isoTime(trail.generatedAtMs))}</li>`);
  const stageRows = trail.attempts
    .map((a, i) => `<tr class="${BAD.test(a.outcome) ? 'bad' : ''}"><td>${i + 1}</td><td>${esc(a.stage)}</td><td>${esc(isoTime(a.enteredAtMs))}</td><td>${esc(a.outcome)}</td><td>${esc(isoTime(a.endedAtMs))}</td><td><code>${esc(a.by || '-')}</code></td><td>${a.gateFailures}</td><td>${esc(a.reason || '-')}</td></tr>`)
    .join('\n');
  const rowClass = (kind: string, actor: string): string => (BAD.test(kind) ? 'bad' : actor.startsWith('user:') ? 'user' : '');
  const timeline = trail.events
    .map((e) => `<tr class="${rowClass(e.kind, e.actor)}"><td>${esc(isoTime(e.atMs))}</td><td>${esc(e.kind)}</td><td><code>${esc(e.actor)}</code></td><td>${esc(String(e.data['stage'] ?? '-'))}</td><td>${esc(e.reason || '-')}</td></tr>`)
    .join('\n');
  const notable = trail.notable.length
    ? `<ul>${trail.notable.map((e) => `<li>${esc(isoTime(e.atMs))} <b>${esc(e.kind)}</b> by <code>${esc(e.actor)}</code>: ${esc(e.reason || '-')}</li>`).join('')}</ul>`
    : '<p>None.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rollout audit trail: ${esc(trail.migration)}</title><style>${STYLE}</style></head>
<body>
<h1>Rollout audit trail: ${esc(trail.migration)}</h1>
<ul class="summary">${summary.join('')}</ul>
<h2>Stages</h2>
<table><thead><tr><th>#</th><th>stage</th><th>entered</th><th>outcome</th><th>ended</th><th>by</th><th>gate failures</th><th>reason</th></tr></thead><tbody>
${stageRows}
</tbody></table>
<h2>Rollbacks, blocks and manual actions</h2>
${notable}
<h2>Timeline</h2>
<table><thead><tr><th>time (UTC)</th><th>event</th><th>actor</th><th>stage</th><th>reason</th></tr></thead><tbody>
${timeline}
</tbody></table>
</body></html>
`;
}
