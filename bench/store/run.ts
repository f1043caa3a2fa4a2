/**
 * `npm run bench:store` — in one run, on a 1,000,000-row MariaDB table
 * (id, short string, text, DATETIME(3), DECIMAL(12,2)):
 *   (a) baseline: `mariadb --batch … | psql -c "COPY …"` into PostgreSQL;
 *   (b) `switchyard backfill` of the same table (the real CLI in a child process; peak RSS from /proc);
 *   (c) 20,000 upserts into each store alone versus dual writes (timed until the outbox is empty).
 * Also compares the PostgreSQL load methods (COPY, COPY via staging, multi-row INSERT … ON CONFLICT).
 * Prints ratios; `--json` prints one JSON object. Scratch tables are dropped at the end.
 *
 * The machine is shared and noisy: each measurement runs several rounds (--rounds, --upsert-rounds), interleaved
 * with its baseline, and the medians are compared (every sample is in the JSON).
 *
 * Options: --rows N (default 1000000), --upserts N (default 20000), --concurrency N (default 32),
 * --rounds N (default 3), --upsert-rounds N (rounds of (c), default 9), --skip-methods,
 * --upserts-only (part (c) alone), --json.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/connect.js';
import { openControl } from '../../src/control/control-db.js';
import { BACKFILL_TARGET, PIPE_TARGET, createDualTables, createSource, createTarget, dropAll, fingerprint } from './setup.js';
import { backfillCli, loadMethods, pipeBaseline, upsertThroughput, type Endpoints } from './measure.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const num = (name: string, def: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const json = flag('--json');
const ROWS = num('--rows', 1_000_000);
const UPSERTS = num('--upserts', 20_000);
const CONCURRENCY = num('--concurrency', 32);
const ROUNDS = num('--rounds', 3);
// 20,000 upserts take about a second per mode: more rounds than the backfill's to steady the medians.
const UPSERT_ROUNDS = num('--upsert-rounds', 9);
const UPSERTS_ONLY = flag('--upserts-only');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const say = (line: string): void => {
  if (!json) process.stdout.write(line + '\n');
};

const MYSQL_URL = process.env['SWITCHYARD_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const PG_URL = process.env['SWITCHYARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const endpoint = (url: string, defPort: number) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || defPort), user: decodeURIComponent(u.username), database: u.pathname.slice(1) };
};
const e: Endpoints = { mysql: endpoint(MYSQL_URL, 3306), pg: endpoint(PG_URL, 5432), mysqlUrl: MYSQL_URL, pgUrl: PG_URL };
const benchDir = path.resolve(import.meta.dirname, '../../bench-data/store');
const controlUrl = `sqlite://${benchDir}/control.db`;
rmSync(benchDir, { recursive: true, force: true });

const mysql = await openStore(MYSQL_URL, { label: 'legacy', poolMax: 16 });
const pg = await openStore(PG_URL, { label: 'next', poolMax: 16 });
const control = await openControl(controlUrl);
const rate = (rows: number, ms: number): number => Math.round((rows / ms) * 1000);
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
/** (c): medians over the rounds of each mode's throughput, interleaved. */
async function upsertPart() {
  say(`(c) ${UPSERTS} upserts, ${CONCURRENCY} concurrent callers, ${UPSERT_ROUNDS} rounds ...`);
  await createDualTables(mysql, pg);
  const samples = { mysql: [] as number[], postgres: [] as number[], dual: [] as number[] };
  for (let r = 0; r < UPSERT_ROUNDS; r++) {
    samples.mysql.push((await upsertThroughput(mysql, pg, 'legacy-only', UPSERTS, CONCURRENCY)).perSec);
    samples.postgres.push((await upsertThroughput(mysql, pg, 'next-only', UPSERTS, CONCURRENCY)).perSec);
    samples.dual.push((await upsertThroughput(mysql, pg, 'dual-legacy-primary', UPSERTS, CONCURRENCY)).perSec);
    say(`  round ${r + 1}: MariaDB alone ${samples.mysql[r]}/s, PostgreSQL alone ${samples.postgres[r]}/s, dual ${samples.dual[r]}/s`);
  }
  const single = { mysql: median(samples.mysql), postgres: median(samples.postgres) };
  const dual = median(samples.dual);
  say(`  medians: MariaDB alone ${single.mysql}/s, PostgreSQL alone ${single.postgres}/s, dual (MariaDB primary, until the outbox is empty) ${dual}/s`);
  const perRound = samples.dual.map((d, r) => ratio(d, Math.min(samples.mysql[r]!, samples.postgres[r]!)));
  say(`  dual / slower single, round by round: ${perRound.join(', ')}`);
  return {
    report: { count: UPSERTS, concurrency: CONCURRENCY, rounds: UPSERT_ROUNDS, mysqlAlonePerSec: single.mysql, postgresAlonePerSec: single.postgres, dualPerSec: dual, samples, perRoundRatios: perRound },
    dualVsSlowerSingle: ratio(dual, Math.min(single.mysql, single.postgres)),
  };
}

/** (a) and (b), and the load-method comparison. */
async function backfillPart() {
  say(`generating ${ROWS} rows in MariaDB ...`);
  const generateMs = await createSource(mysql, ROWS);
  await mysql.knex.raw(`analyze table sy_bench_store_src`);
  say(`  ${(generateMs / 1000).toFixed(1)} s`);

  say(`(a) baseline: mariadb --batch | psql COPY, and (b) switchyard backfill (child process), ${ROUNDS} rounds each ...`);
  const pipeMs: number[] = [];
  const bfWall: number[] = [];
  const bfCopy: number[] = [];
  const bfRss: number[] = [];
  let bfMethods: unknown;
  for (let r = 0; r < ROUNDS; r++) {
    await createTarget(pg, PIPE_TARGET);
    const pipe = await pipeBaseline(e);
    pipeMs.push(pipe.ms);
    await createTarget(pg, BACKFILL_TARGET);
    const bf = await backfillCli(e, BACKFILL_TARGET, controlUrl);
    bfWall.push(bf.ms);
    bfCopy.push(Number(bf.result['elapsedMs']));
    bfRss.push(bf.peakRssMb);
    bfMethods = bf.result['loadMethods'];
    say(`  round ${r + 1}: pipe ${(pipe.ms / 1000).toFixed(2)} s (${rate(ROWS, pipe.ms)} rows/s); backfill ${(bf.ms / 1000).toFixed(2)} s wall, ${(bfCopy[r]! / 1000).toFixed(2)} s copying (${rate(ROWS, bf.ms)} rows/s wall), peak RSS ${bf.peakRssMb} MB`);
  }
  const [fpPipe, fpBf] = [await fingerprint(pg, PIPE_TARGET), await fingerprint(pg, BACKFILL_TARGET)];
  if (fpPipe !== fpBf) throw new Error(`backfill and pipe copies differ: ${fpPipe} vs ${fpBf}`);
  say(`  the backfill's copy equals the pipe's (${fpBf.split('/')[0]} rows, same sums and hash)`);
  const pipeMed = median(pipeMs);
  const bfWallMed = median(bfWall);
  const bfCopyMed = median(bfCopy);
  const peakRss = Math.max(...bfRss);

  let methods: Record<string, number> | undefined;
  if (!flag('--skip-methods')) {
    say('PostgreSQL load methods (in process, each into an empty table) ...');
    methods = await loadMethods(mysql, pg, control);
    for (const [m, r] of Object.entries(methods)) say(`  ${m.padEnd(13)} ${r} rows/s`);
  }
  return {
    generateMs,
    pipe: { ms: Math.round(pipeMed), rowsPerSec: rate(ROWS, pipeMed), samplesMs: pipeMs.map(Math.round) },
    backfill: { wallMs: Math.round(bfWallMed), copyMs: bfCopyMed, rowsPerSec: rate(ROWS, bfWallMed), copyRowsPerSec: rate(ROWS, bfCopyMed), peakRssMb: peakRss, loadMethods: bfMethods, samplesWallMs: bfWall.map(Math.round), samplesCopyMs: bfCopy, samplesPeakRssMb: bfRss },
    loadMethodsRowsPerSec: methods,
    ratios: { backfillVsPipe: ratio(rate(ROWS, bfWallMed), rate(ROWS, pipeMed)), backfillCopyVsPipe: ratio(rate(ROWS, bfCopyMed), rate(ROWS, pipeMed)) },
  };
}

try {
  // Upserts first: after the 1M-row loads, autovacuum and a cold buffer pool would skew them.
  const upserts = await upsertPart();
  const dualMet = upserts.dualVsSlowerSingle >= 0.7;
  if (UPSERTS_ONLY) {
    if (json) process.stdout.write(JSON.stringify({ upserts: upserts.report, ratios: { dualVsSlowerSingle: upserts.dualVsSlowerSingle }, targets: { dualVsSlowerSingle: 0.7 }, met: { dual: dualMet } }) + '\n');
    else say(`dual / slower single upserts:  ${upserts.dualVsSlowerSingle}  target ≥ 0.7  ${dualMet ? 'met' : 'MISSED'}`);
  } else {
    const bf = await backfillPart();
    const report = {
      rows: ROWS,
      rounds: ROUNDS,
      generateMs: bf.generateMs,
      pipe: bf.pipe,
      backfill: bf.backfill,
      loadMethodsRowsPerSec: bf.loadMethodsRowsPerSec,
      upserts: upserts.report,
      ratios: { ...bf.ratios, dualVsSlowerSingle: upserts.dualVsSlowerSingle },
      targets: { backfillVsPipe: 0.5, peakRssMb: 300, dualVsSlowerSingle: 0.7 },
    };
    const met = { backfill: report.ratios.backfillVsPipe >= 0.5, rss: report.backfill.peakRssMb < 300, dual: dualMet };
    if (json) process.stdout.write(JSON.stringify({ ...report, met }) + '\n');
    else {
      say('');
      say(`backfill / pipe rows/s:        ${report.ratios.backfillVsPipe} (wall, incl. CLI start-up; copying alone ${report.ratios.backfillCopyVsPipe})  target ≥ 0.5  ${met.backfill ? 'met' : 'MISSED'}`);
      say(`backfill peak RSS:             ${report.backfill.peakRssMb} MB  target < 300 MB  ${met.rss ? 'met' : 'MISSED'}`);
      say(`dual / slower single upserts:  ${report.ratios.dualVsSlowerSingle}  target ≥ 0.7  ${met.dual ? 'met' : 'MISSED'}`);
    }
  }
} finally {
  await dropAll(mysql, pg).catch(() => undefined);
  for (const s of [mysql, pg]) await s.knex.raw('delete from sy_outbox where namespace = ?', ['bench-store']).catch(() => undefined);
  await Promise.all([mysql.close(), pg.close(), control.close()]);
}
