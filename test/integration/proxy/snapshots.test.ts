import { afterAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { listShadowMismatches, sumSnapshots } from '../../../src/control/snapshots.js';
import { histogramCount } from '../../../src/control/histogram.js';
import { Code } from '../../../src/errors.js';
import { createSnapshotWriter, SnapshotAggregator } from '../../../src/proxy/snapshots.js';
import type { Store } from '../../../src/store/connect.js';
import { status } from '../../../src/transport/status.js';
import { tempSqliteUrl } from '../../helpers/databases.js';
import { methodTable, SEND, HISTORY } from '../../unit/proxy/fixtures.js';

const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
});

describe('snapshot writer', () => {
  it('writes per-interval deltas the controller sums back exactly, with mismatch samples', async () => {
    const control = await openControl(tempSqliteUrl('snap'));
    stores.push(control);
    const methods = await methodTable({ methods: { reads: [HISTORY], writes: [SEND] } });
    const send = methods.get(SEND)!;
    const history = methods.get(HISTORY)!;
    const agg = new SnapshotAggregator(2);
    const w = createSnapshotWriter({ db: control.knex, migration: 'm1', proxyId: 'p1', intervalMs: 60_000, aggregator: agg });
    const t0 = Date.now() - 1;
    for (let i = 0; i < 10; i++) agg.callFinished({ method: send, upstream: 'legacy', status: status(i < 8 ? Code.OK : Code.UNAVAILABLE), durationMs: 0.4, endedBy: undefined });
    agg.callFinished({ method: history, upstream: 'next', status: status(Code.INTERNAL), durationMs: 12, endedBy: undefined });
    agg.callFinished({ method: history, upstream: 'next', status: status(Code.UNAVAILABLE), durationMs: 3, endedBy: 'drain' });
    expect(await w.flush()).toBe(true);
    for (let i = 0; i < 3; i++) agg.shadowResult({ method: history, primary: 'legacy', outcome: { t: 'mismatch', diff: [{ path: 'id', primary: i, shadow: i + 1 }], discounted: 0 } });
    agg.shadowResult({ method: history, primary: 'legacy', outcome: { t: 'dropped', reason: 'timeout' } });
    agg.callFinished({ method: send, upstream: 'legacy', status: status(Code.OK), durationMs: 0.2, endedBy: undefined });
    await w.stop();

    const all = await sumSnapshots(control.knex, { migration: 'm1', sinceMs: t0 });
    expect(all.legacy).toMatchObject({ calls: 11, errors: 2, codes: { OK: 9, UNAVAILABLE: 2 }, shadowCompared: 3, shadowMismatched: 3, shadowDropped: 1, proxies: 1 });
    expect(histogramCount(all.legacy.latency)).toBe(11);
    expect(all.next).toMatchObject({ calls: 2, errors: 1, codes: { INTERNAL: 1, UNAVAILABLE: 1 } }); // a drained stream is not an error
    const reads = await sumSnapshots(control.knex, { migration: 'm1', sinceMs: t0, methodClass: 'reads' });
    expect(reads.legacy.calls).toBe(0);
    expect(reads.next.calls).toBe(2);
    const samples = await listShadowMismatches(control.knex, 'm1');
    expect(samples).toHaveLength(2); // capped per interval
    expect(samples[0]).toMatchObject({ method: HISTORY, primaryUpstream: 'legacy', proxyId: 'p1' });
  });

  it('keeps the deltas when the control database is away and writes them later', async () => {
    const methods = await methodTable();
    const send = methods.get(SEND)!;
    const agg = new SnapshotAggregator(5);
    const url = tempSqliteUrl('snap2');
    const broken = await openControl(url);
    await broken.close(); // a destroyed pool: every query fails
    const w1 = createSnapshotWriter({ db: broken.knex, migration: 'm2', proxyId: 'p1', intervalMs: 60_000, aggregator: agg });
    agg.callFinished({ method: send, upstream: 'next', status: status(Code.OK), durationMs: 1, endedBy: undefined });
    expect(await w1.flush()).toBe(false);
    agg.callFinished({ method: send, upstream: 'next', status: status(Code.OK), durationMs: 1, endedBy: undefined });
    const control = await openControl(url);
    stores.push(control);
    const w2 = createSnapshotWriter({ db: control.knex, migration: 'm2', proxyId: 'p1', intervalMs: 60_000, aggregator: agg });
    expect(await w2.flush()).toBe(true);
    const sum = await sumSnapshots(control.knex, { migration: 'm2', sinceMs: 0 });
    expect(sum.next.calls).toBe(2);
  });
});
