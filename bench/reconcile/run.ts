/**
 * `npm run bench:reconcile` — a 1,000,000-row pair in MariaDB and PostgreSQL:
 *   (a) baseline: one in-database full-table checksum per side, in parallel (same row hash);
 *   (b) baseline: fetch every row from both sides into Node and compare;
 *   (c) `switchyard reconcile` (the real CLI, a child process) on the identical pair;
 *   (d) the same after changing 1,000 scattered rows (all must be found).
 * Each measurement is repeated `--repeat` times, interleaved with the others. The machine is
 * shared (other processes load the databases and the CPUs), so ratios use the best (least
 * disturbed) time of each; medians are printed too.
 * Targets: (c) <= 1.5x (a); (d) <= 2x (c); (b) >= 5x (c); peak RSS < 200 MB.
 * The CLI runs compiled to JavaScript (as installed); `--tsx` runs it through tsx instead.
 * Options: --rows N (1000000), --repeat N (3), --tsx, --json (one JSON object on stdout).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/connect.js';
import { fetchAndCompare, inDatabaseChecksum } from './baselines.js';
import { compileCli, runSwitchyard, TSX_ENTRY, type CliRun } from './child.js';
import { changeRows, fillMysql, fillPostgres, scatteredIds } from './data.js';

const MYSQL_URL = process.env['SWITCHYARD_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const POSTGRES_URL = process.env['SWITCHYARD_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const json = process.argv.includes('--json');
const useTsx = process.argv.includes('--tsx');
const ROWS = arg('rows', 1_000_000);
const REPEAT = arg('repeat', 3);
const CHANGED = Math.min(1000, Math.floor(ROWS / 10));
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number): number => Math.round(x * 100) / 100;

interface ReconcileJson {
  consistent: boolean;
  durationMs: number;
  tables: Array<{ changed: number; missingInNext: number; extraInNext: number; rowsLegacy: number; rowsNext: number; samples: Array<{ key: { id: string } }> }>;
}

async function reconcileOnce(entry: string, table: string, control: string, reportDir?: string): Promise<{ run: CliRun; report: ReconcileJson }> {
  const args = ['--log-level', 'warn', 'reconcile', '--legacy', MYSQL_URL, '--next', POSTGRES_URL, '--table', table, '--json', '--no-progress', '--control', control, '--sample-limit', String(CHANGED)];
  const run = await runSwitchyard(entry, reportDir ? [...args, '--report-dir', reportDir] : args);
  if (run.code !== 0 && run.code !== 1) throw new Error(`switchyard reconcile exited ${run.code}: ${run.stderr}`);
  return { run, report: JSON.parse(run.stdout) as ReconcileJson };
}

async function main(): Promise<void> {
  const table = `bench_reconcile_${process.pid}`;
  const dataDir = path.resolve('bench-data/reconcile');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const control = `sqlite://${path.join(dataDir, 'control.db')}`;
  const legacy = await openStore(MYSQL_URL, { label: 'legacy' });
  const next = await openStore(POSTGRES_URL, { label: 'next' });
  try {
    const entry = useTsx ? TSX_ENTRY : (log('compiling the CLI (tsc --noCheck) ...'), compileCli());
    let startupMs = Infinity;
    for (let i = 0; i < 3; i++) startupMs = Math.min(startupMs, (await runSwitchyard(entry, ['--help'])).wallMs);
    log(`  CLI start-up (switchyard --help): ${Math.round(startupMs)} ms`);
    log(`generating ${ROWS} rows in MariaDB and PostgreSQL ...`);
    const tg = performance.now();
    await Promise.all([fillMysql(legacy, table, ROWS), fillPostgres(next, table, ROWS)]);
    log(`  generated in ${Math.round(performance.now() - tg)} ms`);
    // Warm both buffer caches once so every measurement reads the same way.
    await inDatabaseChecksum(legacy, next, table);

    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    const cInner: number[] = [];
    let peakRss = 0;
    for (let i = 0; i < REPEAT; i++) {
      const ra = await inDatabaseChecksum(legacy, next, table);
      if (!ra.equal) throw new Error('baseline (a): the two sides differ');
      a.push(ra.ms);
      const { run, report } = await reconcileOnce(entry, table, control, i === 0 ? path.join(dataDir, 'report-identical') : undefined);
      if (!report.consistent) throw new Error('(c): the identical pair was reported inconsistent');
      c.push(run.wallMs);
      cInner.push(report.durationMs);
      peakRss = Math.max(peakRss, run.peakRssMb);
      log(`  round ${i + 1}: (a) ${Math.round(ra.ms)} ms [mariadb ${Math.round(ra.legacyMs)}, postgres ${Math.round(ra.nextMs)}]  (c) ${Math.round(run.wallMs)} ms wall, ${report.durationMs} ms in reconcile, RSS ${run.peakRssMb} MB`);
    }
    log('baseline (b): fetching every row into Node ...');
    for (let i = 0; i < Math.min(2, REPEAT); i++) {
      const rb = await fetchAndCompare(legacy, next, table, ROWS);
      if (rb.differing !== 0) throw new Error(`baseline (b) found ${rb.differing} differences in the identical pair`);
      b.push(rb.ms);
      log(`  (b) ${Math.round(rb.ms)} ms for ${rb.rows} rows`);
    }

    const ids = scatteredIds(ROWS, CHANGED);
    await changeRows(next, table, ids);
    const d: number[] = [];
    const dInner: number[] = [];
    let found = 0;
    for (let i = 0; i < REPEAT; i++) {
      const { run, report } = await reconcileOnce(entry, table, control, i === 0 ? path.join(dataDir, 'report-changed') : undefined);
      const t = report.tables[0]!;
      const keys = new Set(t.samples.map((s) => Number(s.key.id)));
      found = ids.filter((id) => keys.has(id)).length;
      if (t.changed !== CHANGED || found !== CHANGED || t.missingInNext || t.extraInNext) throw new Error(`(d): expected exactly ${CHANGED} changed rows, got changed=${t.changed} (planted found ${found}) missing=${t.missingInNext} extra=${t.extraInNext}`);
      d.push(run.wallMs);
      dInner.push(report.durationMs);
      peakRss = Math.max(peakRss, run.peakRssMb);
      log(`  round ${i + 1}: (d) ${Math.round(run.wallMs)} ms wall, ${report.durationMs} ms in reconcile, ${t.changed} changed found, RSS ${run.peakRssMb} MB`);
    }
    const best = (xs: number[]): number => Math.min(...xs);
    const ma = best(a);
    const mb = best(b);
    const mc = best(c);
    const md = best(d);
    const mci = best(cInner);
    const mdi = best(dInner);
    const result = {
      rows: ROWS,
      repeat: REPEAT,
      cli: useTsx ? 'tsx' : 'compiled',
      cliStartupMs: Math.round(startupMs),
      changedRows: CHANGED,
      changedFound: found,
      ms: { a_inDatabaseChecksum: Math.round(ma), b_fetchAndCompare: Math.round(mb), c_reconcileIdentical: Math.round(mc), d_reconcileChanged: Math.round(md), c_inReconcile: Math.round(mci), d_inReconcile: Math.round(mdi) },
      medianMs: { a: Math.round(median(a)), b: Math.round(median(b)), c: Math.round(median(c)), d: Math.round(median(d)), cInReconcile: Math.round(median(cInner)), dInReconcile: Math.round(median(dInner)) },
      samplesMs: { a: a.map(Math.round), b: b.map(Math.round), c: c.map(Math.round), d: d.map(Math.round), cInReconcile: cInner, dInReconcile: dInner },
      ratios: {
        c_over_a: r2(mc / ma),
        c_inReconcile_over_a: r2(mci / ma),
        d_over_c: r2(md / mc),
        d_inReconcile_over_c_inReconcile: r2(mdi / mci),
        b_over_c: r2(mb / mc),
      },
      peakRssMb: peakRss,
      targets: { c_over_a: 1.5, d_over_c: 2, b_over_c_min: 5, peakRssMb: 200 },
      met: { c_over_a: mc / ma <= 1.5, d_over_c: md / mc <= 2, b_over_c: mb / mc >= 5, peakRss: peakRss < 200, allChangesFound: found === CHANGED },
      recheckDelayMs: 1000,
      notes: `times are the best of ${REPEAT} rounds; (c)/(d) wall time includes starting the CLI process (${useTsx ? 'tsx' : 'compiled JavaScript'}); *_inReconcile is the run's own duration from its report; (d) includes the default 1 s re-check delay`,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      log('');
      log(`best of ${REPEAT} rounds (medians in --json):`);
      log(`(a) in-database checksum, both sides in parallel: ${result.ms.a_inDatabaseChecksum} ms`);
      log(`(b) fetch every row into Node and compare:        ${result.ms.b_fetchAndCompare} ms`);
      log(`(c) switchyard reconcile, identical pair:          ${result.ms.c_reconcileIdentical} ms wall (${result.ms.c_inReconcile} ms inside the run)`);
      log(`(d) switchyard reconcile, ${CHANGED} rows changed:       ${result.ms.d_reconcileChanged} ms wall (${result.ms.d_inReconcile} ms inside the run), ${found}/${CHANGED} found`);
      log(`ratios: c/a ${result.ratios.c_over_a} (inside ${result.ratios.c_inReconcile_over_a}, target <= 1.5), d/c ${result.ratios.d_over_c} (target <= 2), b/c ${result.ratios.b_over_c} (target >= 5)`);
      log(`peak RSS of the CLI: ${peakRss} MB (target < 200)`);
    }
  } finally {
    await legacy.knex.raw(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await next.knex.raw(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await legacy.close();
    await next.close();
  }
}

await main();
