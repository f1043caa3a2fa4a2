/** The HTML rendering: one self-contained page (inline CSS and SVG, no external assets). */
import { duration, num, sampleRows } from './format.js';
import { barChart, esc } from './svg.js';
import type { ReconcileReport, TableReport } from './types.js';

const COLORS = { missing: '#d9534f', extra: '#f0ad4e', changed: '#5b7bd5', time: '#6c9a8b' };

const CSS = `body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1 .ok{color:#2e7d32}h1 .bad{color:#c62828}table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}code,pre{background:#f6f6f6}
pre{padding:.8em;overflow:auto}.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.4em}.err{color:#c62828}`;

const td = (v: string, n = false): string => `<td${n ? ' class="n"' : ''}>${esc(v)}</td>`;
const th = (cells: readonly string[]): string => `<tr>${cells.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;

function card(label: string, value: string): string {
  return `<div class="card">${esc(label)}<b>${esc(value)}</b></div>`;
}

function tableSection(t: TableReport): string {
  const parts = [`<h2>Table <code>${esc(t.table)}</code>${t.nextTable !== t.table ? ` → <code>${esc(t.nextTable)}</code>` : ''}: ${esc(t.status)}</h2>`];
  if (t.error) parts.push(`<p class="err">Error: ${esc(t.error)}</p>`);
  parts.push(
    `<p>Key: ${esc(t.key.join(', '))} · segments ${num(t.segments.total)} (${num(t.segments.differing)} differing) · checksum queries ${num(t.segments.checksumQueries)} · rows fetched ${num(t.segments.rowsFetched)} · skipped as recent ${num(t.skippedRecent)} · settled on re-check ${num(t.settledOnRecheck)}</p>`,
  );
  const cols = Object.entries(t.columnsChanged).sort((a, b) => b[1] - a[1]);
  if (cols.length) parts.push(barChart('Changed rows per column', cols.map(([c, n]) => ({ label: c, parts: [{ label: 'changed rows', value: n, color: COLORS.changed }] }))));
  const tm = t.timings;
  parts.push(
    barChart(
      'Timings (ms): wall time, then times summed over concurrent segments (re-check includes its wait)',
      [
        ['total (wall)', tm.totalMs],
        ['checksums', tm.checksumMs],
        ['row diffs', tm.diffMs],
        ['re-check', tm.recheckMs],
        ['repair', tm.repairMs],
      ].map(([label, v]) => ({ label: String(label), parts: [{ label: 'ms', value: Number(v), color: COLORS.time }] })),
      ' ms',
    ),
  );
  if (t.repair) {
    const r = t.repair;
    parts.push(`<p>Repair (truth: ${esc(r.truth)}${r.dryRun ? ', dry run' : ''}): ${num(r.upserted)} upserted, ${num(r.deleted)} deleted in ${num(r.statements)} statements; ${num(r.verified)} verified, ${num(r.stillMismatched)} still differ.</p>`);
  }
  if (t.samples.length) {
    const rows = t.samples.flatMap(sampleRows).map((r) => `<tr>${td(r.kind)}${td(r.key)}${td(r.column)}${td(r.legacy)}${td(r.next)}</tr>`);
    parts.push(`<h3>Sample differences (first ${t.samples.length})</h3><table>${th(['kind', 'key', 'column', 'legacy', 'next'])}${rows.join('')}</table>`);
  }
  const rules = t.columns.map((c) => `<tr>${td(c.column)}${td(c.legacyType)}${td(c.nextType)}${td(c.rule)}${td(c.hashed)}</tr>`);
  parts.push(`<h3>Columns and rules</h3><table>${th(['column', 'legacy type', 'next type', 'rule', 'hashed'])}${rules.join('')}</table>`);
  if (t.notCompared.legacyOnly.length || t.notCompared.nextOnly.length) {
    parts.push(`<p>Not compared (one side only): legacy ${esc(t.notCompared.legacyOnly.join(', ') || '-')}; next ${esc(t.notCompared.nextOnly.join(', ') || '-')}</p>`);
  }
  return parts.join('\n');
}

/** Renders the report as a self-contained HTML page. */
export function renderHtml(r: ReconcileReport): string {
  const ok = r.status === 'consistent';
  const summaryRows = r.tables.map(
    (t) => `<tr>${td(t.table)}${td(num(t.rowsLegacy), true)}${td(num(t.rowsNext), true)}${td(num(t.missingInNext), true)}${td(num(t.extraInNext), true)}${td(num(t.changed), true)}${td(num(t.remaining), true)}${td(t.status)}</tr>`,
  );
  const chart = barChart(
    'Mismatches per table',
    r.tables.map((t) => ({
      label: t.table,
      parts: [
        { label: 'missing in next', value: t.missingInNext, color: COLORS.missing },
        { label: 'extra in next', value: t.extraInNext, color: COLORS.extra },
        { label: 'changed', value: t.changed, color: COLORS.changed },
      ],
    })),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reconcile report ${esc(String(r.runId ?? ''))}: ${esc(r.status)}</title><style>${CSS}</style></head>
<body>
<h1>Reconcile report: <span class="${ok ? 'ok' : 'bad'}">${esc(r.status)}</span></h1>
<p>Run ${esc(String(r.runId ?? '(not stored)'))}${r.resumed ? ' (resumed)' : ''} · started ${esc(r.startedAt)} · finished ${esc(r.finishedAt)} · ${esc(duration(r.durationMs))}<br>
Legacy <code>${esc(r.legacy.url)}</code> (${esc(r.legacy.engine)}) · Next <code>${esc(r.next.url)}</code> (${esc(r.next.engine)})</p>
<div class="cards">${card('rows legacy', num(r.totals.rowsLegacy))}${card('rows next', num(r.totals.rowsNext))}${card('missing in next', num(r.totals.missingInNext))}${card('extra in next', num(r.totals.extraInNext))}${card('changed', num(r.totals.changed))}${card('remaining', num(r.totals.remaining))}</div>
<h2>Summary</h2>
<table>${th(['table', 'rows legacy', 'rows next', 'missing in next', 'extra in next', 'changed', 'remaining', 'status'])}${summaryRows.join('')}</table>
${chart}
${r.tables.map(tableSection).join('\n')}
<h2>Normalization rules (v${esc(r.normalization.version)})</h2>
<ul>${r.normalization.rules.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<h2>Parameters</h2>
<pre>${esc(JSON.stringify(r.parameters, null, 2))}</pre>
</body></html>
`;
}
