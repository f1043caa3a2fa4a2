/** Measurements: the shell pipe baseline, the backfill CLI in a child process with its peak RSS, load methods, and write throughput. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../../src/store/connect.js';
import { runBackfill } from '../../src/store/backfill/run.js';
import { createDualWriter, type DualWriter } from '../../src/store/dual/dual-writer.js';
import type { DualWriteMode } from '../../src/store/dual/modes.js';
import type { BulkLoadMethod } from '../../src/store/write-dialect.js';
import { DUAL_TABLE, METHOD_TARGET, PIPE_TARGET, SOURCE, createTarget } from './setup.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Connection settings for the shell tools. */
export interface Endpoints {
  mysql: { host: string; port: number; user: string; database: string };
  pg: { host: string; port: number; user: string; database: string };
  mysqlUrl: string;
  pgUrl: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number | null; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ stdout, stderr, code, pid: child.pid ?? 0 }));
  });
}

/** (a) `mariadb --batch ... | psql -c "COPY ..."`: the baseline. */
export async function pipeBaseline(e: Endpoints): Promise<{ ms: number }> {
  const m = e.mysql;
  const p = e.pg;
  const script = `set -o pipefail; mariadb --batch --skip-column-names -h ${m.host} -P ${m.port} -u ${m.user} ${m.database} -e "select id, name, body, created_at, amount from ${SOURCE}" | psql -q -h ${p.host} -p ${p.port} -U ${p.user} ${p.database} -c "COPY ${PIPE_TARGET} FROM STDIN WITH (NULL 'NULL')"`;
  const t0 = performance.now();
  const r = await run('bash', ['-c', script]);
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`pipe failed (${r.code}): ${r.stderr}`);
  return { ms };
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** (b) `switchyard backfill` as a child process; samples its RSS from /proc every 10 ms. */
export async function backfillCli(e: Endpoints, target: string, controlUrl: string): Promise<{ ms: number; peakRssMb: number; result: Record<string, unknown> }> {
  const args = [path.join(ROOT, 'bin/switchyard.js'), '--log-level', 'warn', 'backfill', '--legacy', e.mysqlUrl, '--next', e.pgUrl, '--table', SOURCE, '--target-table', target, '--control', controlUrl, '--restart', '--json'];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKb = 0;
  const timer = setInterval(() => {
    if (child.pid) peakKb = Math.max(peakKb, rssKb(child.pid, 'VmHWM'), rssKb(child.pid, 'VmRSS'));
  }, 10);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ms = performance.now() - t0;
  clearInterval(timer);
  if (code !== 0) throw new Error(`backfill failed (${code}): ${stderr}`);
  return { ms, peakRssMb: Math.round(peakKb / 102.4) / 10, result: JSON.parse(stdout) as Record<string, unknown> };
}

/** PostgreSQL load methods compared on the same table, in process (each into an empty table). */
export async function loadMethods(mysql: Store, pg: Store, control: Store): Promise<Record<BulkLoadMethod, number>> {
  const out = {} as Record<BulkLoadMethod, number>;
  for (const method of ['copy', 'copy-staging', 'insert'] as const) {
    await createTarget(pg, METHOD_TARGET);
    const r = await runBackfill({ source: mysql, target: pg, control, table: SOURCE, targetTable: METHOD_TARGET, loadMethod: method, restart: true });
    out[method] = r.rowsPerSec;
  }
  return out;
}

/** (c) `count` upserts with `concurrency` callers in one mode; dual modes are timed until the outbox is empty. */
export async function upsertThroughput(mysql: Store, pg: Store, mode: DualWriteMode, count: number, concurrency: number): Promise<{ ms: number; perSec: number }> {
  for (const s of [mysql, pg]) await s.knex(DUAL_TABLE).truncate();
  const writer: DualWriter = await createDualWriter({ legacy: mysql, next: pg, tables: [{ name: DUAL_TABLE, versionColumn: 'ver' }], mode, namespace: 'bench-store' });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      await writer.upsert(DUAL_TABLE, { id: i + 1, name: `user-${i}`, body: `body of message ${i}`, created_at: '2024-01-01 00:00:00.123', amount: `${i % 100000}.25`, ver: 1 });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  await writer.drain({ timeoutMs: 120_000 });
  const ms = performance.now() - t0;
  await writer.close();
  return { ms, perSec: Math.round((count / ms) * 1000) };
}
