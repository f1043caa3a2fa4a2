/** The Markdown rendering of a reconcile report. */
import { duration, num, sampleRows } from './format.js';
import type { ReconcileReport, TableReport } from './types.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
const head = (cells: readonly string[]): string[] => [row(cells), row(cells.map(() => '---'))];

function tableSection(t: TableReport): string[] {
  const out = [`## Table \`${t.table}\`${t.nextTable !== t.table ? ` → \`${t.nextTable}\`` : ''}: ${t.status}`, ''];
  if (t.error) out.push(`**Error:** ${t.error}`, '');
  out.push(
    `Key: ${t.key.join(', ')} · segments: ${num(t.segments.total)} (${num(t.segments.differing)} differing) · checksum queries: ${num(t.segments.checksumQueries)} · rows fetched: ${num(t.segments.rowsFetched)}`,
    `Skipped as changed after the updated-at bound: ${num(t.skippedRecent)} · settled on re-check: ${num(t.settledOnRecheck)}`,
    `Timings: ${duration(t.timings.totalMs)} wall; summed over concurrent segments: checksums ${duration(t.timings.checksumMs)}, row diffs ${duration(t.timings.diffMs)}, re-check (with its wait) ${duration(t.timings.recheckMs)}, repair ${duration(t.timings.repairMs)}`,
    '',
  );
  if (t.notCompared.legacyOnly.length || t.notCompared.nextOnly.length) {
    out.push(`Not compared (on one side only): legacy ${t.notCompared.legacyOnly.join(', ') || '-'}; next ${t.notCompared.nextOnly.join(', ') || '-'}`, '');
  }
  if (t.repair) {
    const r = t.repair;
    out.push(`Repair (truth: ${r.truth}${r.dryRun ? ', dry run' : ''}): ${num(r.upserted)} upserted, ${num(r.deleted)} deleted in ${num(r.statements)} statements; ${num(r.verified)} verified, ${num(r.stillMismatched)} still differ.`, '');
  }
  const cols = Object.entries(t.columnsChanged).sort((a, b) => b[1] - a[1]);
  if (cols.length) out.push('### Changed rows per column', '', ...head(['column', 'rows']), ...cols.map(([c, n]) => row([c, num(n)])), '');
  if (t.samples.length) {
    out.push(`### Sample differences (first ${t.samples.length})`, '', ...head(['kind', 'key', 'column', 'legacy', 'next']));
    for (const m of t.samples) for (const r of sampleRows(m)) out.push(row([r.kind, r.key, r.column, r.legacy, r.next]));
    out.push('');
  }
  out.push('### Columns and rules', '', ...head(['column', 'legacy type', 'next type', 'rule', 'hashed']), ...t.columns.map((c) => row([c.column, c.legacyType, c.nextType, c.rule, c.hashed])), '');
  return out;
}

/** Renders the report as Markdown. */
export function renderMarkdown(r: ReconcileReport): string {
  const out = [
    `# Reconcile report: ${r.status}`,
    '',
    `Run ${r.runId ?? '(not stored)'}${r.resumed ? ' (resumed)' : ''} · started ${r.startedAt} · finished ${r.finishedAt} · ${duration(r.durationMs)}`,
    '',
    `Legacy: \`${r.legacy.url}\` (${r.legacy.engine}) · Next: \`${r.next.url}\` (${r.next.engine})`,
    '',
    '## Summary',
    '',
    ...head(['table', 'rows legacy', 'rows next', 'missing in next', 'extra in next', 'changed', 'remaining', 'status']),
    ...r.tables.map((t) => row([t.table, num(t.rowsLegacy), num(t.rowsNext), num(t.missingInNext), num(t.extraInNext), num(t.changed), num(t.remaining), t.status])),
    row(['**total**', num(r.totals.rowsLegacy), num(r.totals.rowsNext), num(r.totals.missingInNext), num(r.totals.extraInNext), num(r.totals.changed), num(r.totals.remaining), r.status]),
    '',
    ...r.tables.flatMap(tableSection),
    `## Normalization rules (v${r.normalization.version})`,
    '',
    ...r.normalization.rules.map((x) => `- ${x}`),
    '',
    '## Parameters',
    '',
    '```json',
    JSON.stringify(r.parameters, null, 2),
    '```',
    '',
  ];
  return out.join('\n');
}
