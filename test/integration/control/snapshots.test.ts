import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { emptyHistogram, observe, quantileMs } from '../../../src/control/histogram.js';
import { insertShadowMismatches, insertSnapshots, listShadowMismatches, sumSnapshots, type MetricSnapshot } from '../../../src/control/snapshots.js';
import type { Store } from '../../../src/store/connect.js';
import { POSTGRES_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';

function snapshot(over: Partial<MetricSnapshot>): MetricSnapshot {
  return {
    migration: 'm', proxyId: 'p1', atMs: 1000, intervalMs: 1000, method: '/chat.ChatService/SendMessage', methodClass: 'writes',
    upstream: 'legacy', calls: 0, errors: 0, codes: {}, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0, ...over,
  };
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`metric snapshots on ${engine}`, () => {
    let control: Store | undefined;
    const migration = `snap_${process.pid}_${Date.now()}`;
    beforeAll(async () => {
      if (engine === 'postgres' && !(await requireDatabase(POSTGRES_URL))) return;
      control = await openControl(engine === 'sqlite' ? tempSqliteUrl('control') : POSTGRES_URL);
    });
    afterAll(async () => {
      if (!control) return;
      await control.knex('sy_metric_snapshots').where({ migration }).delete();
      await control.knex('sy_shadow_mismatches').where({ migration }).delete();
      await control.close();
    });

    it('sums deltas per upstream across proxies and intervals, within the window only', async () => {
      if (!control) return;
      const slow = emptyHistogram();
      for (let i = 0; i < 99; i++) observe(slow, 2);
      observe(slow, 40);
      await insertSnapshots(control.knex, [
        snapshot({ migration, proxyId: 'p1', atMs: 1000, upstream: 'legacy', calls: 10, errors: 1, codes: { OK: 9, UNAVAILABLE: 1 } }),
        snapshot({ migration, proxyId: 'p2', atMs: 2000, upstream: 'legacy', calls: 5, codes: { OK: 5 } }),
        snapshot({ migration, proxyId: 'p1', atMs: 2000, upstream: 'next', calls: 100, errors: 3, codes: { OK: 97, INTERNAL: 3 }, latency: slow, shadowCompared: 20, shadowMismatched: 2 }),
        snapshot({ migration, proxyId: 'p1', atMs: 500, upstream: 'next', calls: 1000, errors: 1000 }),
        snapshot({ migration, proxyId: 'p1', atMs: 2000, upstream: 'next', methodClass: 'reads', calls: 7 }),
      ]);
      const all = await sumSnapshots(control.knex, { migration, sinceMs: 0 });
      expect(all.legacy).toMatchObject({ calls: 15, errors: 1, codes: { OK: 14, UNAVAILABLE: 1 }, proxies: 2 });
      expect(all.next).toMatchObject({ calls: 107, errors: 3, shadowCompared: 20, shadowMismatched: 2, proxies: 1 });
      expect(quantileMs(all.next.latency, 0.99)).toBe(2);
      expect(quantileMs(all.next.latency, 1)).toBe(50);
      const writes = await sumSnapshots(control.knex, { migration, sinceMs: 0, untilMs: 2000, methodClass: "writes" });
      expect(writes.next.calls).toBe(100);
    });

    it('stores shadow mismatch samples newest first', async () => {
      if (!control) return;
      await insertShadowMismatches(control.knex, [
        { migration, proxyId: 'p1', atMs: 1, method: '/a/B', primaryUpstream: 'legacy', diff: [{ path: 'id', primary: '1', shadow: '2' }] },
        { migration, proxyId: 'p1', atMs: 2, method: '/a/C', primaryUpstream: 'next', diff: [{ path: 'x', primary: null, shadow: 3 }] },
      ]);
      const list = await listShadowMismatches(control.knex, migration);
      expect(list.map((m) => m.method)).toEqual(['/a/C', '/a/B']);
      expect(list[0]!.diff).toEqual([{ path: 'x', primary: null, shadow: 3 }]);
      expect(list[0]!.primaryUpstream).toBe('next');
    });
  });
}
