/** Kill-and-resume cases of the shared datastore suite: the real CLI in a child process, killed with SIGKILL. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/connect.js';
import { runBackfill } from '../../../src/store/backfill/run.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { createTable, dropTable, usePair, snapshot, type ColType, type EnginePair } from './pairs.js';

const CLI = path.resolve(import.meta.dirname, '../../../bin/switchyard.js');
const COLS = [['id', 'bigint'], ['name', 'str32'], ['at', 'dt3'], ['amount', 'dec12_2']] as const satisfies ReadonlyArray<readonly [string, ColType]>;
const ROWS = 3000;

async function chunksDone(control: Store): Promise<number> {
  if (!(await control.knex.schema.hasTable('sy_backfill_runs'))) return 0;
  const row = (await control.knex('sy_backfill_runs').max({ n: 'chunks' }).first()) as { n: number | null } | undefined;
  return Number(row?.n ?? 0);
}

/** Registers the resume cases for a pair. */
export function resumeCases(pair: EnginePair): void {
  describe(`backfill killed and resumed (${pair.name})`, () => {
    const p = usePair(pair, 'resume');

    it('resumes after SIGKILL at an arbitrary chunk and ends with the same rows as an uninterrupted run', async () => {
      if (!p.ok) return;
      const table = uniqueTable('sy_bf_kill');
      const reference = uniqueTable('sy_bf_ref');
      const controlUrl = tempSqliteUrl('control');
      for (const t of [table, reference]) await createTable(p.next, t, COLS);
      await createTable(p.legacy, table, COLS);
      const control = await openStore(controlUrl);
      try {
        const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i * 3 + 1, name: `n${i}`, at: `2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}`, amount: `${i}.${String(i % 100).padStart(2, '0')}` }));
        for (let i = 0; i < rows.length; i += 500) await p.legacy.knex(table).insert(rows.slice(i, i + 500));
        const child = spawn(process.execPath, [CLI, '--log-level', 'warn', 'backfill', '--legacy', p.legacyUrl, '--next', p.nextUrl, '--table', table, '--control', controlUrl, '--chunk-size', '100', '--rate', '1500', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
        const killAt = 4 + Math.floor(Math.random() * 8);
        const deadline = Date.now() + 20_000;
        while ((await chunksDone(control)) < killAt) {
          if (Date.now() > deadline) throw new Error(`child made no progress: ${stderr}`);
          await new Promise((r) => setTimeout(r, 25));
        }
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        const copiedBefore = Number((await p.next.knex(table).count({ n: '*' }))[0]!['n']);
        expect(copiedBefore).toBeGreaterThan(0);
        expect(copiedBefore).toBeLessThan(ROWS);

        const resumed = await runBackfill({ source: p.legacy, target: p.next, control, table, chunkSize: 100 });
        expect(resumed.resumed).toBe(true);
        expect(resumed.resumedAfterKey).not.toBeNull();
        expect(resumed.rows).toBeLessThan(ROWS);
        expect(resumed.totalRows).toBeGreaterThanOrEqual(ROWS);
        await runBackfill({ source: p.legacy, target: p.next, control, table, targetTable: reference, chunkSize: 100 });
        const source = await snapshot(p.legacy, table, COLS);
        expect(source).toHaveLength(ROWS);
        expect(await snapshot(p.next, table, COLS)).toEqual(source);
        expect(await snapshot(p.next, reference, COLS)).toEqual(source);
      } finally {
        await control.close();
        await dropTable(p.legacy, table);
        for (const t of [table, reference]) await dropTable(p.next, t);
      }
    }, 60_000);
  });
}
