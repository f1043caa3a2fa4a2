/**
 * Rows that change during a run are not false alarms: a difference that settles before the
 * re-check is not reported, and an updated-at column bounds what is compared.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Logger } from '../../../src/observability/logger.js';
import { openStore, type Store } from '../../../src/store/connect.js';
import { runReconcile } from '../../../src/reconcile/index.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, uniqueTable } from '../../helpers/databases.js';
import { dropTables } from './fixtures.js';

/** A logger that calls `onLine` with every structured log line. */
function watchingLogger(onLine: (line: Record<string, unknown>) => void): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) onLine(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return pino({ level: 'debug' }, sink) as Logger;
}

describe('reconcile during live writes (mysql → postgres)', () => {
  let legacy: Store;
  let next: Store;
  let ok = false;
  const table = uniqueTable('rc_live');
  const longAgo = '2020-01-01 00:00:00.000000';

  beforeAll(async () => {
    ok = (await requireDatabase(MYSQL_URL)) && (await requireDatabase(POSTGRES_URL));
    if (!ok) return;
    legacy = await openStore(MYSQL_URL);
    next = await openStore(POSTGRES_URL);
    await legacy.knex.raw(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, val VARCHAR(40) NOT NULL, updated_at DATETIME(6) NULL)`);
    await next.knex.raw(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, val VARCHAR(40) NOT NULL, updated_at TIMESTAMP(6) NULL)`);
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, val: `v${i + 1}`, updated_at: longAgo }));
    await legacy.knex(table).insert(rows);
    await next.knex(table).insert(rows);
  });
  afterAll(async () => {
    if (!ok) return;
    await dropTables(legacy, [table]);
    await dropTables(next, [table]);
    await legacy.close();
    await next.close();
  });

  it('does not report a row whose second write lands before the re-check', async () => {
    if (!ok) return;
    await legacy.knex(table).where({ id: 5 }).update({ val: 'written' });
    let caughtUp: Promise<unknown> | undefined;
    // The "dual write" reaches next only once the reconciler has seen the difference.
    const logger = watchingLogger((line) => {
      if (String(line['msg']).includes('re-checking') && !caughtUp) caughtUp = next.knex(table).where({ id: 5 }).update({ val: 'written' }).then(() => undefined);
    });
    const r = await runReconcile({ legacy, next, tables: [table], control: false, recheckDelayMs: 1500, logger });
    await caughtUp;
    expect(caughtUp).toBeDefined();
    expect(r.consistent).toBe(true);
    expect(r.tables[0]!.settledOnRecheck).toBe(1);
    expect(r.tables[0]!.changed).toBe(0);
  });

  it('skips rows changed after the updated-at bound, and still reports older differences', async () => {
    if (!ok) return;
    const cutoff = '2024-06-01 00:00:00';
    await legacy.knex(table).where({ id: 7 }).update({ val: 'fresh', updated_at: '2024-06-01 00:00:00.000001' });
    await next.knex(table).where({ id: 9 }).update({ val: 'stale-diff' });
    const bounded = await runReconcile({ legacy, next, tables: [table], control: false, recheckDelayMs: 0, updatedAtColumn: 'updated_at', updatedBefore: cutoff });
    expect(bounded.tables[0]!.skippedRecent).toBe(1);
    expect(bounded.tables[0]!.changed).toBe(1);
    expect(bounded.tables[0]!.samples.map((m) => m.key['id'])).toEqual(['9']);
    const unbounded = await runReconcile({ legacy, next, tables: [table], control: false, recheckDelayMs: 0 });
    expect(unbounded.tables[0]!.samples.map((m) => m.key['id']).sort()).toEqual(['7', '9']);
  });
});
