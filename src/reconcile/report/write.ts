/** Writes a report as `report.json`, `report.md` and `report.html` into a folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import type { ReconcileReport } from './types.js';

/** Writes the three renderings; returns their paths. */
export async function writeReports(report: ReconcileReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['report.json', renderJson(report)],
    ['report.md', renderMarkdown(report)],
    ['report.html', renderHtml(report)],
  ];
  const paths: string[] = [];
  for (const [name, text] of files) {
    const p = path.join(dir, name);
    await writeFile(p, text, 'utf8');
    paths.push(p);
  }
  return paths;
}
