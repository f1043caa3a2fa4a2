/** `switchyard report --audit`: the rollout's audit trail as Markdown, HTML or JSON. */
import { writeFile } from 'node:fs/promises';
import { openControl } from '../../src/control/control-db.js';
import { fail } from '../../src/errors.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { renderAuditHtml } from '../../src/rollout/audit/html.js';
import { renderAuditMarkdown } from '../../src/rollout/audit/markdown.js';
import type { AuditTrail } from '../../src/rollout/audit/model.js';
import { readAuditTrail as readTrail } from '../../src/rollout/audit/read.js';
import { printLines } from '../print.js';
import { playbookPath } from '../rollout-env.js';

/** Options of the audit-trail report. */
export interface AuditReportOptions {
  control?: string;
  migration?: string;
  playbook?: string;
  format: 'markdown' | 'html' | 'json';
  out?: string;
}

/** Reads the audit trail of a migration from the control database. */
export async function readAuditTrail(opts: AuditReportOptions): Promise<AuditTrail> {
  let migration = opts.migration;
  let controlUrl = opts.control;
  const playbookFile = opts.playbook ?? (opts.migration ? undefined : playbookPath({}));
  if (playbookFile) {
    const { playbook } = await loadPlaybook(playbookFile, { loadProto: false });
    migration ??= playbook.migration;
    controlUrl ??= playbook.control.url;
  }
  if (!migration) throw fail('INVALID_ARGUMENT', 'report --audit needs --migration NAME or --playbook FILE (default ./playbook.yaml)', { hint: 'e.g. `switchyard report --audit --migration chat --format html --out audit.html`' });
  const control = await openControl(controlUrl);
  try {
    const trail = await readTrail(control.knex, migration);
    if (!trail) throw fail('ROLLOUT_NOT_STARTED', `no rollout or events for migration "${migration}" in ${control.url.redacted}`, { hint: 'check --migration and --control' });
    return trail;
  } finally {
    await control.close();
  }
}

/** Renders the audit trail and prints it (or writes `--out`). */
export async function auditReport(opts: AuditReportOptions): Promise<void> {
  const trail = await readAuditTrail(opts);
  const text = opts.format === 'html' ? renderAuditHtml(trail) : opts.format === 'json' ? JSON.stringify(trail) + '\n' : renderAuditMarkdown(trail);
  if (opts.out) {
    await writeFile(opts.out, text, 'utf8');
    printLines([`wrote ${opts.out}`]);
  } else process.stdout.write(text);
}
