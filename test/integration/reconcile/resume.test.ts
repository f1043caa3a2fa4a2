/**
 * Resumable after a kill: the real CLI is SIGKILLed mid-run; `--resume` continues from the
 * checkpoint (segments already done are not redone) and every planted mismatch is stored
 * exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { listReconcileMismatches, loadCheckpoints } from '../../../src/control/reconcile-runs.js';
import { openStore, type Store } from '../../../src/store/connect.js';
import { tempSqliteUrl } from '../../helpers/databases.js';
import { runCli, startCli } from './cli-helpers.js';

const ROWS = 200;
const PLANTED = [5, 55, 105, 155, 195];

describe('reconcile resume after SIGKILL', () => {
  const legacyUrl = tempSqliteUrl('resume-legacy');
  const nextUrl = tempSqliteUrl('resume-next');
  const controlUrl = tempSqliteUrl('resume-control');
  let legacy: Store;
  let next: Store;
  let control: Store;

  beforeAll(async () => {
    legacy = await openStore(legacyUrl);
    next = await openStore(nextUrl);
    control = await openControl(controlUrl);
    for (const s of [legacy, next]) {
      await s.knex.raw('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await s.knex('t').insert(Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, v: `v${i + 1}` })));
    }
    await next.knex('t').whereIn('id', PLANTED).update({ v: 'changed' });
  });
  afterAll(async () => {
    await Promise.all([legacy.close(), next.close(), control.close()]);
  });

  it('continues from the checkpoint and stores each mismatch once', async () => {
    const args = ['reconcile', '--legacy', legacyUrl, '--next', nextUrl, '--table', 't', '--control', controlUrl, '--segment-rows', '10', '--recheck-delay-ms', '0', '--no-progress'];
    const child = startCli([...args, '--pause-ms', '250']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait until several segments are committed, then kill without warning.
    let done = 0;
    const deadline = Date.now() + 60_000;
    while (done < 6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const rows = (await control.knex('sy_reconcile_checkpoints').select('segments_done')) as Array<{ segments_done: number }>;
      done = Number(rows[0]?.segments_done ?? 0);
    }
    child.kill('SIGKILL');
    await exited;
    expect(done).toBeGreaterThanOrEqual(6);
    const run = (await control.knex('sy_reconcile_runs').first()) as { id: number; status: string };
    expect(run.status).toBe('running');
    const atKill = (await loadCheckpoints(control.knex, run.id)).get('t')!;
    expect(atKill.status).toBe('running');
    const storedAtKill = await listReconcileMismatches(control.knex, run.id);
    expect(storedAtKill.length).toBe(PLANTED.filter((id) => id <= atKill.segmentsDone * 10).length);

    const resumed = await runCli([...args, '--resume', String(run.id), '--json']);
    expect(resumed.code).toBe(1);
    const report = JSON.parse(resumed.stdout) as { runId: number; resumed: boolean; tables: Array<{ changed: number; rowsLegacy: number; segments: { total: number } }> };
    expect(report.runId).toBe(run.id);
    expect(report.resumed).toBe(true);
    expect(report.tables[0]).toMatchObject({ changed: PLANTED.length, rowsLegacy: ROWS });
    const stored = await listReconcileMismatches(control.knex, run.id);
    expect(stored.map((m) => Number(m.key['id'])).sort((a, b) => a - b)).toEqual(PLANTED);
    const final = (await loadCheckpoints(control.knex, run.id)).get('t')!;
    expect(final.status).toBe('done');
    expect(final.segmentsDone).toBe(report.tables[0]!.segments.total);
    expect(((await control.knex('sy_reconcile_runs').where({ id: run.id }).first()) as { status: string; changed: number }).status).toBe('inconsistent');
  });
});
