/**
 * The demo end to end against the real servers: legacy on MariaDB, next on PostgreSQL. The
 * success path must walk every stage and end consistent; the fault path must be caught by
 * the error-rate gate and rolled back to the last stage that held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { openStore } from '../../src/store/connect.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, uniqueTable } from '../helpers/databases.js';

const tables: string[] = [];
let ok = true;

beforeAll(async () => {
  ok = (await requireDatabase(MYSQL_URL)) && (await requireDatabase(POSTGRES_URL));
});

afterAll(async () => {
  if (!ok) return;
  for (const url of [MYSQL_URL, POSTGRES_URL]) {
    const store = await openStore(url);
    for (const t of tables) await store.knex.schema.dropTableIfExists(t);
    await store.close();
  }
});

async function demo(fault?: string): Promise<DemoResult> {
  const table = uniqueTable('demo_chat');
  tables.push(table);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-demo-'));
  return runDemo({ legacyUrl: MYSQL_URL, nextUrl: POSTGRES_URL, table, dir, seedMessages: 1500, holdSeconds: 3, ...(fault ? { fault, faultRate: 0.6 } : {}) });
}

const kinds = (r: DemoResult) => r.events.map((e) => e.kind);
const stagesEntered = (r: DemoResult) => r.events.filter((e) => e.kind === 'stage.entered').map((e) => String(e.data['stage']));

describe('switchyard demo on MariaDB → PostgreSQL', () => {
  it('walks every stage to retire, with both stores consistent and the audit report written', async () => {
    if (!ok) return;
    const r = await demo();
    expect({ status: r.state.status, stage: r.stage, reason: r.state.reason }).toMatchObject({ status: 'completed' });
    expect(stagesEntered(r)).toEqual(['prepare', 'dual-write', 'backfill', 'verify', 'reads-5%', 'reads-25%', 'reads-50%', 'reads-100%', 'writes-10%', 'writes-50%', 'writes-all-100%', 'retire']);
    expect(kinds(r)).toContain('rollout.completed');
    expect(kinds(r)).not.toContain('rollback.started');
    // The backfill copied the history; the final reconcile (in writes-all) found the stores equal.
    const backfill = r.events.find((e) => e.kind === 'action.succeeded' && e.data['stage'] === 'backfill');
    expect(backfill?.reason).toMatch(/[1-9]\d* rows copied/);
    expect(r.lastReconcile).toMatchObject({ status: 'consistent', missingInNext: 0, extraInNext: 0, changed: 0 });
    // Rows are counted while traffic goes on, so the two counts may differ by rows in flight;
    // the mismatch counts (after the settle re-check) are what must be zero.
    expect(r.lastReconcile!.rowsLegacy).toBeGreaterThan(1500);
    expect(r.lastReconcile!.rowsNext).toBeGreaterThan(1500);
    // Clients saw no errors; traffic reached the next backend once reads and writes moved.
    for (const [method, codes] of Object.entries(r.traffic)) if (method !== 'skipped') expect(Object.keys(codes), method).toEqual(['OK']);
    expect(r.backends.next.ok).toBeGreaterThan(0);
    expect(readFileSync(r.files.markdown, 'utf8')).toMatch(/completed/);
    expect(readFileSync(r.files.html, 'utf8')).toMatch(/<html/i);
    expect(r.durationMs).toBeLessThan(120_000);
  }, 180_000);

  it('--fault: the error-rate gate catches the failing next backend and rolls back', async () => {
    if (!ok) return;
    const r = await demo('reads-25%');
    expect({ status: r.state.status, stage: r.stage, reason: r.state.reason }).toMatchObject({ status: 'rolled-back' });
    expect(r.stage).toBe('reads-25%');
    const rollback = r.events.find((e) => e.kind === 'rollback.started');
    expect(rollback?.actor).toMatch(/^gate:errorRate/);
    expect(r.events.some((e) => e.kind === 'gate.failed' && e.actor.startsWith('gate:errorRate'))).toBe(true);
    // The split went back to the last stage that held (5 % of reads), and the hook ran.
    const back = r.events.filter((e) => e.kind === 'split.changed').at(-1);
    expect(back?.data).toMatchObject({ target: 'class:reads', fromBp: 2500, toBp: 500 });
    expect(r.events.some((e) => e.kind === 'hook.succeeded' && /onRollback/.test(e.reason))).toBe(true);
    expect(r.backends.next.injected).toBeGreaterThan(0);
    expect(existsSync(r.files.html)).toBe(true);
    // The data was never at risk: the reconcile of the verify stage found the stores equal.
    expect(r.lastReconcile).toMatchObject({ status: 'consistent' });
  }, 180_000);
});
