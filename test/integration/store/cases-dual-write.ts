/**
 * Dual-write cases of the shared datastore suite: every mode, per-key order under concurrent
 * writers, the secondary cut or stalled and restored (through a TCP relay in front of the real
 * server), mode switches under load, and backfill racing live dual writes.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { openStore } from '../../../src/store/connect.js';
import { createDualWriter, type DualWriter, type DualWriterOptions } from '../../../src/store/dual/dual-writer.js';
import { runBackfill } from '../../../src/store/backfill/run.js';
import { startDatabaseRelay } from '../../helpers/tcp-relay.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { createTable, dropTable, usePair, snapshot, type ColType, type EnginePair } from './pairs.js';

const COLS = [['id', 'bigint'], ['name', 'str64'], ['at', 'dt3', 'null'], ['ver', 'bigint']] as const satisfies ReadonlyArray<readonly [string, ColType, 'null'?]>;
const FAST = { pollIntervalMs: 20, applyTimeoutMs: 1500, retryBaseMs: 20, retryMaxMs: 300, leaseMs: 6000 } as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// SQLite calls complete without I/O waits: a tight write loop must let timers run.
const yieldToTimers = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Registers the dual-write cases for a pair. */
export function dualWriteCases(pair: EnginePair): void {
  describe(`dual writes (${pair.name})`, () => {
    const p = usePair(pair, 'dual');
    let table: string;
    const writers: DualWriter[] = [];
    const make = async (o: Partial<DualWriterOptions> = {}): Promise<DualWriter> => {
      const w = await createDualWriter({ legacy: p.legacy, next: p.next, tables: [{ name: table }], namespace: table, ...FAST, ...o });
      writers.push(w);
      return w;
    };

    /** Runs a case on fresh tables; closes its writers and drops the tables and its outbox entries after. */
    async function withTable(fn: () => Promise<void>): Promise<void> {
      table = uniqueTable('sy_dw');
      await createTable(p.legacy, table, COLS);
      await createTable(p.next, table, COLS);
      try {
        await fn();
      } finally {
        for (const w of writers.splice(0)) await w.close();
        await dropTable(p.legacy, table);
        await dropTable(p.next, table);
        for (const s of [p.legacy, p.next]) await s.knex('sy_outbox').where('namespace', table).del();
      }
    }

    it('writes reach both stores in every mode; mirror() copies a write made elsewhere; metrics count each side', async () => {
      if (!p.ok) return;
      await withTable(async () => {
        const registry = new Registry();
        const w = await make({ registry, acknowledge: 'secondary' });
        expect((await w.insert(table, { id: 1, name: 'one', at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), ver: 1 })).secondary).toBe('applied');
        await w.upsert(table, { id: 2, name: 'two', at: null, ver: 1 });
        await w.upsert(table, { id: 1, name: 'one again', at: '2024-01-02 03:04:05.679', ver: 2 });
        await w.delete(table, { id: 2 });
        await w.setMode('dual-next-primary');
        await w.upsert(table, { id: 3, name: 'three', ver: 1 });
        await p.legacy.knex(table).insert({ id: 4, name: 'made by the legacy service', ver: 1 });
        await w.mirror({ op: 'upsert', table, row: { id: 4, name: 'made by the legacy service', ver: 1 } }, { from: 'legacy' });
        await w.drain();
        expect(await snapshot(p.next, table, COLS)).toEqual(await snapshot(p.legacy, table, COLS));
        expect(await snapshot(p.next, table, COLS)).toHaveLength(3);
        await w.setMode('next-only');
        expect((await w.upsert(table, { id: 5, name: 'next only', ver: 1 })).secondary).toBe('none');
        expect(await p.next.knex(table).where('id', 5).first()).toBeTruthy();
        expect(await p.legacy.knex(table).where('id', 5).first()).toBeUndefined();
        const metrics = await registry.getMetricsAsJSON();
        const writes = metrics.find((m) => m.name === 'switchyard_store_writes_total')!.values;
        const sum = (side: string, path: string): number => writes.filter((v) => v.labels['side'] === side && v.labels['path'] === path).reduce((a, v) => a + v.value, 0);
        expect(sum('legacy', 'direct')).toBe(4);
        expect(sum('next', 'relay')).toBe(5);
        expect(sum('next', 'direct')).toBe(2);
        expect(sum('legacy', 'relay')).toBe(1);
        expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['switchyard_outbox_depth', 'switchyard_outbox_oldest_age_seconds', 'switchyard_outbox_apply_failures_total']));
      });
    });

    it('keeps per-key order under concurrent writes to the same keys from two writers (two relays)', async () => {
      if (!p.ok) return;
      await withTable(async () => {
        const a = await make();
        const b = await make();
        let counter = 0;
        const worker = async (w: DualWriter, n: number): Promise<void> => {
          for (let i = 0; i < n; i++) {
            const v = ++counter;
            const id = (v * 7) % 5;
            if (v % 11 === 0) await w.delete(table, { id });
            else await w.upsert(table, { id, name: `write ${v}`, ver: v });
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i % 2 ? a : b, pair.legacy === 'sqlite' ? 15 : 40)));
        await a.drain();
        await b.drain();
        const primary = await snapshot(p.legacy, table, COLS);
        expect(primary.length).toBeGreaterThan(0);
        expect(await snapshot(p.next, table, COLS)).toEqual(primary);
        expect((await a.outboxStats()).legacy.depth).toBe(0);
      });
    });

    // A secondary that goes away needs a server to cut off: not SQLite (an embedded file).
    for (const outage of pair.next === 'sqlite' ? [] : (['cut', 'stall'] as const)) {
      it(`loses no write while the secondary is ${outage === 'cut' ? 'gone (connections reset and refused)' : 'not answering'}, and drains the outbox when it returns`, async () => {
        if (!p.ok) return;
        const relay = await startDatabaseRelay(p.nextUrl);
        const nextViaRelay = await openStore(relay.wrap(p.nextUrl), { label: 'next' });
        try {
          await withTable(async () => {
            const w = await createDualWriter({ legacy: p.legacy, next: nextViaRelay, tables: [{ name: table, versionColumn: 'ver' }], namespace: table, ...FAST });
            writers.push(w);
            for (let i = 1; i <= 50; i++) await w.upsert(table, { id: i, name: `before ${i}`, ver: 1 });
            await w.drain({ timeoutMs: 10_000 });
            relay[outage]();
            for (let i = 1; i <= 150; i++) await w.upsert(table, { id: i, name: `during ${i}`, ver: 2 });
            for (let i = 1; i <= 10; i++) await w.delete(table, { id: i * 3 });
            await sleep(2500);
            const during = await w.outboxStats();
            expect(during.legacy.depth).toBeGreaterThan(0);
            expect(during.legacy.oldestAgeMs).toBeGreaterThan(1000);
            relay.restore();
            await w.drain({ timeoutMs: 30_000 });
            const primary = await snapshot(p.legacy, table, COLS);
            expect(primary).toHaveLength(140);
            expect(await snapshot(p.next, table, COLS)).toEqual(primary);
            const after = await w.outboxStats();
            expect(after.legacy).toMatchObject({ depth: 0, parked: 0 });
            const failures = (await w.registry.getMetricsAsJSON()).find((m) => m.name === 'switchyard_outbox_apply_failures_total')!.values;
            expect(failures.some((v) => v.labels['kind'] === 'transient' && v.value > 0)).toBe(true);
          });
        } finally {
          await nextViaRelay.close();
          await relay.close();
        }
      }, 60_000);
    }

    it('switches modes under load without losing or reordering writes', async () => {
      if (!p.ok) return;
      await withTable(async () => {
        const w = await make({ tables: [{ name: table, versionColumn: 'ver' }] });
        let counter = 0;
        let stop = false;
        const worker = async (): Promise<void> => {
          while (!stop) {
            const v = ++counter;
            await w.upsert(table, { id: v % 17, name: `v${v} in ${w.mode}`, ver: v });
            await yieldToTimers();
          }
        };
        const workers = Array.from({ length: 4 }, worker);
        await sleep(300);
        await w.setMode('dual-next-primary');
        await sleep(300);
        await w.setMode('dual-legacy-primary');
        await sleep(300);
        await w.setMode('dual-next-primary');
        await sleep(200);
        stop = true;
        await Promise.all(workers);
        await w.drain();
        expect(counter).toBeGreaterThan(20);
        const legacyRows = await snapshot(p.legacy, table, COLS);
        expect(await snapshot(p.next, table, COLS)).toEqual(legacyRows);
        // The last write to each key wins on both sides.
        const last = new Map<number, number>();
        for (let v = 1; v <= counter; v++) last.set(v % 17, v);
        const vers = ((await p.next.knex(table).select('id', 'ver')) as Array<{ id: unknown; ver: unknown }>).map((r) => [Number(r.id), Number(r.ver)]);
        for (const [id, ver] of vers) expect(ver).toBe(last.get(id!));
      });
    });

    it('backfill running beside live dual writes never overwrites the rows they made newer', async () => {
      if (!p.ok) return;
      await withTable(async () => {
        const rows = Array.from({ length: 1200 }, (_, i) => ({ id: i + 1, name: `old ${i + 1}`, ver: 1 }));
        for (let i = 0; i < rows.length; i += 400) await p.legacy.knex(table).insert(rows.slice(i, i + 400));
        const w = await make({ tables: [{ name: table, versionColumn: 'ver' }] });
        let stop = false;
        const live = (async () => {
          for (let v = 2; !stop; v++) {
            await w.upsert(table, { id: ((v * 37) % 1300) + 1, name: `live ${v}`, ver: v });
            await yieldToTimers();
          }
        })();
        const control = tempSqliteUrl('control');
        const result = await runBackfill({ source: p.legacy, target: p.next, control, table, versionColumn: 'ver', chunkSize: 100, rateRowsPerSec: 3000 });
        stop = true;
        await live;
        await w.drain();
        expect(result.onConflict).toBe('newer-version');
        expect(await snapshot(p.next, table, COLS)).toEqual(await snapshot(p.legacy, table, COLS));
      });
    }, 60_000);
  });
}
