/**
 * A long secondary outage: the secondary unreachable for longer than the relay's lease (30 s)
 * and many maximum backoffs (5 s), writes going on the whole time, then back. The first 60 %
 * of the outage the server is gone (connections reset and refused), the rest it does not
 * answer (connections accepted, no byte moves). Default 75 s;
 * `SWITCHYARD_LONG_OUTAGE_S=600 npx vitest run test/integration/store/mysql-to-postgres.test.ts -t "long secondary outage"`
 * soaks longer. Registered for one pair only (mysql → postgres) so the suite stays fast.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/connect.js';
import { createDualWriter, type DualWriter } from '../../../src/store/dual/dual-writer.js';
import { captureLog } from '../../helpers/log-capture.js';
import { startDatabaseRelay } from '../../helpers/tcp-relay.js';
import { uniqueTable } from '../../helpers/databases.js';
import { createTable, dropTable, usePair, snapshot, type ColType, type EnginePair } from './pairs.js';

const COLS = [['id', 'bigint'], ['name', 'str64'], ['ver', 'bigint']] as const satisfies ReadonlyArray<readonly [string, ColType, 'null'?]>;
const SECONDS = Number(process.env['SWITCHYARD_LONG_OUTAGE_S'] ?? 75);
const KEYS = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live heap after a full collection, MB. */
function liveHeapMb(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Registers the long-outage case for a pair (one with a server as the next store). */
export function longOutageCases(pair: EnginePair): void {
  describe(`long secondary outage (${pair.name})`, () => {
    const p = usePair(pair, 'long-outage');

    it(`loses no write while the secondary is unreachable for ${SECONDS} s with writes going on, drains when it returns, and keeps memory bounded`, async () => {
      if (!p.ok) return;
      if (!(SECONDS > 0)) throw new Error(`SWITCHYARD_LONG_OUTAGE_S: expected a positive number of seconds, got ${process.env['SWITCHYARD_LONG_OUTAGE_S']}`);
      const relay = await startDatabaseRelay(p.nextUrl);
      const nextViaRelay = await openStore(relay.wrap(p.nextUrl), { label: 'next' });
      const table = uniqueTable('sy_long');
      await createTable(p.legacy, table, COLS);
      await createTable(p.next, table, COLS);
      const log = captureLog('info');
      let w: DualWriter | undefined;
      try {
        // The relay's own defaults: 30 s lease, 10 s apply deadline, backoff up to 5 s.
        w = await createDualWriter({ legacy: p.legacy, next: nextViaRelay, tables: [{ name: table, versionColumn: 'ver' }], namespace: table, logger: log.logger });
        const writer = w;
        const expected = new Map<number, string | null>();
        let v = 0;
        const write = async (): Promise<void> => {
          v++;
          const id = ((v * 37) % KEYS) + 1;
          if (v % 9 === 0) {
            await writer.delete(table, { id });
            expected.set(id, null);
          } else {
            await writer.upsert(table, { id, name: `write ${v}`, ver: v });
            expected.set(id, `write ${v}`);
          }
        };
        for (let i = 0; i < 300; i++) await write();
        await writer.drain({ timeoutMs: 20_000 });

        relay.cut();
        const cutAt = Date.now();
        const heap: number[] = [];
        let sampledAt = cutAt;
        let during = 0;
        let stalled = false;
        while (Date.now() - cutAt < SECONDS * 1000) {
          // Gone (connections reset and refused) first, then not answering (accepted, no byte moves).
          if (!stalled && Date.now() - cutAt >= SECONDS * 600) {
            relay.restore();
            relay.stall();
            stalled = true;
          }
          await write();
          during++;
          await sleep(5);
          if (Date.now() - sampledAt >= 10_000) {
            heap.push(liveHeapMb());
            sampledAt = Date.now();
          }
        }
        const stats = await writer.outboxStats();
        expect(stats.legacy.depth).toBeGreaterThan(0);
        expect(stats.legacy.oldestAgeMs).toBeGreaterThan((SECONDS - 5) * 1000);
        // The unreachable store reports why instead of hanging the statistics.
        expect(stats.next.error).toBeTruthy();

        relay.restore();
        await writer.drain({ timeoutMs: 180_000 });
        heap.push(liveHeapMb());
        const primary = await snapshot(p.legacy, table, COLS);
        expect(primary).toHaveLength([...expected.values()].filter((x) => x !== null).length);
        for (const [id, name] of expected) {
          const row = (await p.legacy.knex(table).where('id', id).first()) as { name: string } | undefined;
          expect(row?.name ?? null).toBe(name);
        }
        expect(await snapshot(p.next, table, COLS)).toEqual(primary);
        expect((await writer.outboxStats()).legacy).toMatchObject({ depth: 0, parked: 0 });
        // The relay came back on its own and keeps working.
        expect(log.entries.some((e) => /relay to next recovered/.test(e.msg))).toBe(true);
        await writer.upsert(table, { id: KEYS + 1, name: 'after the outage', ver: v + 1 });
        await writer.drain({ timeoutMs: 20_000 });
        expect(await p.next.knex(table).where('id', KEYS + 1).first()).toBeTruthy();
        const failures = (await writer.registry.getMetricsAsJSON()).find((m) => m.name === 'switchyard_outbox_apply_failures_total')!.values;
        expect(failures.some((x) => x.labels['kind'] === 'transient' && x.value > 0)).toBe(true);
        // Memory: the live heap after the first 10 s of the outage and after it drained differ
        // by far less than the writes made meanwhile would take if anything kept them.
        const growthMb = heap[heap.length - 1]! - heap[0]!;
        console.info(`long outage: ${SECONDS} s, ${during} writes during it, live heap ${heap.map((h) => h.toFixed(1)).join(' → ')} MB`);
        expect(heap.length).toBeGreaterThanOrEqual(2);
        expect(growthMb).toBeLessThan(16);
        expect(Math.max(...heap) - heap[0]!).toBeLessThan(32);
      } finally {
        await w?.close();
        await nextViaRelay.close();
        await relay.close();
        await dropTable(p.legacy, table);
        await dropTable(p.next, table);
        for (const s of [p.legacy, p.next]) await s.knex('sy_outbox').where('namespace', table).del();
      }
    }, SECONDS * 1000 + 240_000);
  });
}
