import { afterAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { setSplits, type Route } from '../../../src/control/routes.js';
import { createRouteWatcher } from '../../../src/proxy/route-watcher.js';
import type { Store } from '../../../src/store/connect.js';
import { POSTGRES_URL, requireDatabase, tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';

const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

function waitFor(pred: () => boolean, timeoutMs = 5_000): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (pred()) return resolve(Date.now() - t0);
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('route watcher', () => {
  it('SQLite: loads the splits at start and follows changes by polling', async () => {
    const control = await openControl(tempSqliteUrl('routes'));
    stores.push(control);
    const migration = uniqueTable('mig');
    await setSplits(control.knex, [{ migration, target: 'class:reads', splitBp: 100, actor: 'controller', reason: 'start' }]);
    let seen: Route[] = [];
    const w = createRouteWatcher({ control, migration, pollIntervalMs: 30, onRoutes: (r) => (seen = r) });
    await w.start();
    expect(seen.map((r) => [r.target, r.splitBp])).toEqual([['class:reads', 100]]);
    await setSplits(control.knex, [{ migration, target: 'class:reads', splitBp: 2_500, actor: 'controller', reason: 'stage 2' }]);
    await waitFor(() => seen[0]?.splitBp === 2_500);
    expect(w.listening).toBe(false);
    await w.stop();
  });

  it('PostgreSQL: a change arrives by LISTEN/NOTIFY without waiting for the poll', async () => {
    if (!(await requireDatabase(POSTGRES_URL))) return;
    const control = await openControl(POSTGRES_URL);
    stores.push(control);
    const migration = uniqueTable('mig');
    let seen: Route[] = [];
    const w = createRouteWatcher({ control, migration, pollIntervalMs: 600_000, onRoutes: (r) => (seen = r) });
    await w.start();
    expect(w.listening).toBe(true);
    await setSplits(control.knex, [{ migration, target: 'class:default', splitBp: 42, actor: 'controller', reason: 'notify test' }]);
    const ms = await waitFor(() => seen.some((r) => r.splitBp === 42));
    expect(ms).toBeLessThan(5_000);
    await w.stop();
    await control.knex('sy_routes').where({ migration }).del();
    await control.knex('sy_events').where({ migration }).del();
  });
});
