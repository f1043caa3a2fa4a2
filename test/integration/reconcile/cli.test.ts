/**
 * `switchyard reconcile` and `switchyard report` as a user runs them: exit codes, the
 * `--json` shape, one clear error (exit 2) for bad input, no credentials in any output,
 * `--dry-run` SQL, report files, and stored runs rendered again.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/connect.js';
import { MYSQL_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';
import { runCli } from './cli-helpers.js';

describe('switchyard reconcile / report (CLI)', () => {
  const legacyUrl = tempSqliteUrl('cli-legacy');
  const nextUrl = tempSqliteUrl('cli-next');
  const control = tempSqliteUrl('cli-control');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-report-'));
  let legacy: Store;
  let next: Store;
  const base = ['reconcile', '--legacy', legacyUrl, '--next', nextUrl, '--control', control, '--recheck-delay-ms', '0', '--no-progress'];

  beforeAll(async () => {
    legacy = await openStore(legacyUrl);
    next = await openStore(nextUrl);
    for (const s of [legacy, next]) {
      await s.knex.raw('CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER, dup INTEGER)');
      await s.knex.raw('CREATE TABLE same (id INTEGER PRIMARY KEY, v TEXT)');
      await s.knex('items').insert(Array.from({ length: 30 }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, qty: i, dup: i % 3 })));
      await s.knex('same').insert([{ id: 1, v: 'a' }]);
    }
    await legacy.knex.raw('CREATE TABLE typed (id INTEGER PRIMARY KEY, d INTEGER)');
    await next.knex.raw('CREATE TABLE typed (id INTEGER PRIMARY KEY, d DATE)');
    await next.knex('items').where({ id: 3 }).update({ qty: 99 });
    await next.knex('items').where({ id: 30 }).del();
  });
  afterAll(async () => {
    await legacy.close();
    await next.close();
  });

  it('exits 0 on a consistent table and prints the stated --json shape', async () => {
    const r = await runCli([...base, '--table', 'same', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['consistent']).toBe(true);
    expect(out['tables']).toMatchObject([{ table: 'same', rowsLegacy: 1, rowsNext: 1, missingInNext: 0, extraInNext: 0, changed: 0, samples: [] }]);
  });

  it('exits 1 with mismatches, writes the three reports, and `report` renders the stored run', async () => {
    const r = await runCli([...base, '--table', 'items', '--table', 'same', '--json', '--report-dir', dir]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { runId: number; consistent: boolean; tables: Array<Record<string, unknown>> };
    expect(out.consistent).toBe(false);
    expect(out.tables[0]).toMatchObject({ table: 'items', rowsLegacy: 30, rowsNext: 29, missingInNext: 1, extraInNext: 0, changed: 1 });
    for (const f of ['report.json', 'report.md', 'report.html']) expect(existsSync(path.join(dir, f))).toBe(true);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('| items | 30 | 29 | 1 | 0 | 1 | 2 | inconsistent |');

    const md = await runCli(['report', String(out.runId), '--control', control]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# Reconcile report: inconsistent');
    const js = await runCli(['report', '--last', '--control', control, '--format', 'json']);
    expect((JSON.parse(js.stdout) as { runId: number }).runId).toBe(out.runId);
    const list = await runCli(['report', '--list', '--control', control]);
    expect(list.stdout).toContain('inconsistent');
    const mm = await runCli(['report', String(out.runId), '--mismatches', '--control', control]);
    expect(mm.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind).sort()).toEqual(['changed', 'missing-in-next']);
  });

  it('--repair --dry-run prints the SQL and changes nothing', async () => {
    const r = await runCli([...base, '--table', 'items', '--repair', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INSERT INTO "items"/);
    expect((await next.knex('items').where({ id: 3 }).first()) as { qty: number }).toMatchObject({ qty: 99 });
  });

  it.each([
    [['--table', 'nope'], /STORE_UNKNOWN_TABLE: table "nope" does not exist in legacy/],
    [['--table', 'items', '--columns', 'name,nosuch'], /STORE_UNKNOWN_COLUMN: compared column "nosuch" does not exist in legacy table "items"/],
    [['--table', 'items', '--key', 'dup'], /RECONCILE_KEY_NOT_UNIQUE: key \(dup\) is not unique in legacy table "items"/],
    [['--table', 'typed'], /RECONCILE_INCOMPATIBLE_TYPES: table "typed" column "d"/],
  ])('bad input %j: one clear error, exit 2', async (args, message) => {
    const r = await runCli([...base, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('an unreachable database: exit 2, named, password never printed', async () => {
    if (!(await requireDatabase(MYSQL_URL))) return;
    const r = await runCli(['reconcile', '--legacy', 'mysql://root:s3cretpw@127.0.0.1:1/test', '--next', nextUrl, '--table', 'items', '--control', control]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STORE_UNREACHABLE: legacy \(mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/test\) is unreachable/);
    expect(r.stderr + r.stdout).not.toContain('s3cretpw');
  });
});
