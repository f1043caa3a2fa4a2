import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/reconcile/report/build.js';
import { renderHtml } from '../../../src/reconcile/report/html.js';
import { renderJson } from '../../../src/reconcile/report/json.js';
import { renderMarkdown } from '../../../src/reconcile/report/markdown.js';
import { REPORT_SCHEMA, type TableReport } from '../../../src/reconcile/report/types.js';

const table: TableReport = {
  table: 'orders',
  nextTable: 'orders',
  key: ['id'],
  status: 'inconsistent',
  rowsLegacy: 1_000_000,
  rowsNext: 999_999,
  missingInNext: 1,
  extraInNext: 0,
  changed: 2,
  remaining: 3,
  remainingByKind: { missingInNext: 1, extraInNext: 0, changed: 2 },
  columnsChanged: { total: 2, note: 1 },
  skippedRecent: 4,
  settledOnRecheck: 5,
  notCompared: { legacyOnly: ['legacy_flag'], nextOnly: [] },
  columns: [{ column: 'total', legacyType: 'decimal(12,2)', nextType: 'numeric(12,2)', rule: 'decimal at scale 2, rounded half away from zero', hashed: 'in-database' }],
  segments: { total: 11, differing: 2, checksumQueries: 30, rowsFetched: 400 },
  samples: [
    { kind: 'changed', key: { id: '7' }, columns: [{ column: 'note', legacy: '<b>bold</b> | pipe', next: null }], legacy: null, next: null },
    { kind: 'missing-in-next', key: { id: '9' }, columns: [], legacy: { id: '9', total: '1.00' }, next: null },
  ],
  repair: null,
  timings: { totalMs: 2500, checksumMs: 4000, diffMs: 120, recheckMs: 1000, repairMs: 0 },
  error: null,
};

const report = buildReport({
  runId: 12,
  startedAtMs: Date.UTC(2024, 0, 1),
  finishedAtMs: Date.UTC(2024, 0, 1) + 2600,
  legacy: { url: 'mysql://app:***@db1/shop', engine: 'mysql' },
  next: { url: 'postgres://app:***@db2/shop', engine: 'postgres' },
  parameters: { segmentRows: 100000 },
  tables: [table],
  resumed: false,
});

describe('reconcile reports', () => {
  it('JSON: the stable schema, with totals and the rules used', () => {
    const j = JSON.parse(renderJson(report)) as typeof report;
    expect(j.schema).toBe(REPORT_SCHEMA);
    expect(j.consistent).toBe(false);
    expect(j.totals).toEqual({ rowsLegacy: 1_000_000, rowsNext: 999_999, missingInNext: 1, extraInNext: 0, changed: 2, remaining: 3 });
    expect(j.normalization.rules.length).toBeGreaterThan(5);
  });

  it('Markdown: summary, per-column counts, samples with escaped pipes, rules, parameters', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| orders | 1,000,000 | 999,999 | 1 | 0 | 2 | 3 | inconsistent |');
    expect(md).toContain('| total | 2 |');
    expect(md).toContain('<b>bold</b> \\| pipe');
    expect(md).toContain('## Normalization rules (v1)');
    expect(md).toContain('"segmentRows": 100000');
  });

  it('HTML: self-contained, escaped, with inline SVG charts', () => {
    const html = renderHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('Mismatches per table');
    expect(html).toContain('Changed rows per column');
    expect(html).toContain('mysql://app:***@db1/shop');
  });
});
