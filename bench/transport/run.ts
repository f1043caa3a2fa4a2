/**
 * `npm run bench:transport`: bidi echo of the chat `Message` (~60 bytes, encoded with the
 * schema) over one stream, client and server in separate processes, for every variant in
 * one run: raw `ws` and raw @grpc/grpc-js (the baselines), and switchyard's WebSocket,
 * native gRPC and grpc-js transports (push API on both sides).
 *
 *     npm run bench:transport -- [--count 200000] [--inflight 500] [--warmup 20000] [--runs 3]
 *                                [--variants raw-ws,ws,...] [--cpu-prof] [--json]
 *
 * Variants run round-robin `--runs` times (so load changes on the machine hit all of them);
 * each variant reports its median run by messages/s. `--json` prints one JSON object on
 * stdout (`npm run --silent` keeps npm's own banner off it): {variants, ratios, targets,
 * config, runs, skipped}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProto } from '../../src/schema/load.js';
import { encodeMessage } from '../../src/schema/codec.js';
import { VARIANTS, type Variant } from './variants.js';
import { formatReport, ratiosOf, targetsOf, type VariantFigures } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Config {
  count: number;
  inflight: number;
  warmup: number;
  runs: number;
  variants: Variant[];
  cpuProf: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Config {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, fallback: number): number => {
    const v = value(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(v)}`);
    return n;
  };
  const variants = (value('variants')?.split(',') ?? [...VARIANTS]) as Variant[];
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v} (known: ${VARIANTS.join(', ')})`);
  const count = int('count', 200_000);
  if (count === 0) throw new Error('--count must be at least 1');
  return { count, inflight: Math.max(1, int('inflight', 500)), warmup: int('warmup', 20_000), runs: Math.max(1, int('runs', 3)), variants, cpuProf: argv.includes('--cpu-prof'), json: argv.includes('--json') };
}

/** Whether a switchyard engine is in this build. */
function available(v: Variant): boolean {
  const dir = v === 'ws' ? 'ws' : v === 'grpc' ? 'grpc' : v === 'grpc-js' ? 'grpc-js' : undefined;
  return dir === undefined || existsSync(path.join(root, 'src/transport', dir, 'index.ts'));
}

function spawnChild(args: string[], cfg: Config): ChildProcess {
  const execArgv = ['--import', 'tsx'];
  if (cfg.cpuProf) {
    // One folder per side and variant: Node writes one profile per thread (tsx's loader runs in a worker).
    const dir = path.join(root, 'bench-data/cpu-prof', `${args[0]}-${args[1]}`);
    mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  return fork(path.join(here, 'child.ts'), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }): void => {
      if (m.type !== type) return;
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`child exited (code ${String(code)}) before sending ${type}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function runVariant(v: Variant, hex: string, cfg: Config): Promise<VariantFigures> {
  const server = spawnChild(['server', v], cfg);
  try {
    const { port } = await next<{ port: number }>(server, 'ready');
    const client = spawnChild(['client', v, String(port), String(cfg.count), String(cfg.inflight), String(cfg.warmup), hex], cfg);
    await next(client, 'measuring');
    server.send({ type: 'mark' });
    client.send({ type: 'go' });
    const r = await next<{ msgsPerSec: number; p50Ms: number; p99Ms: number; elapsedMs: number; cpuUs: number; intact: boolean }>(client, 'result');
    server.send({ type: 'report' });
    const { cpuUs } = await next<{ cpuUs: number }>(server, 'cpu');
    if (!r.intact) throw new Error(`${v}: the last echo differs from the message sent`);
    return { msgsPerSec: r.msgsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, elapsedMs: r.elapsedMs, clientCpuUsPerMsg: r.cpuUs / cfg.count, serverCpuUsPerMsg: cpuUs / cfg.count };
  } finally {
    server.send({ type: 'stop' });
    await new Promise((resolve) => (server.exitCode !== null ? resolve(undefined) : server.once('exit', resolve)));
  }
}

async function main(): Promise<void> {
  const cfg = parseArgs(process.argv.slice(2));
  const schema = await loadProto(path.join(root, 'playbooks/chat/chat.proto'));
  const message = encodeMessage(schema.type('chat.Message'), { content: 'switchyard transport benchmark message', sender: 'bench-client', room: 'lobby' });
  const all: Partial<Record<Variant, VariantFigures[]>> = {};
  const skipped: Partial<Record<Variant, string>> = {};
  const hex = Buffer.from(message).toString('hex');
  for (let run = 1; run <= cfg.runs; run++) {
    for (const v of cfg.variants) {
      if (skipped[v]) continue;
      if (!available(v)) {
        skipped[v] = 'engine not in this build';
        continue;
      }
      if (!cfg.json) process.stderr.write(`run ${run}/${cfg.runs}: ${v} …\n`);
      try {
        (all[v] ??= []).push(await runVariant(v, hex, cfg));
      } catch (err) {
        skipped[v] = (err as Error).message;
        delete all[v];
      }
    }
  }
  const results: Partial<Record<Variant, VariantFigures>> = {};
  const runs: Partial<Record<Variant, number[]>> = {};
  for (const [v, list] of Object.entries(all) as Array<[Variant, VariantFigures[]]>) {
    const sorted = [...list].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
    results[v] = sorted[Math.floor((sorted.length - 1) / 2)]!;
    runs[v] = list.map((f) => Math.round(f.msgsPerSec));
  }
  const config = { count: cfg.count, inflight: cfg.inflight, warmup: cfg.warmup, runs: cfg.runs, messageBytes: message.byteLength, streams: 1, connections: 1 };
  const ratios = ratiosOf(results);
  const targets = targetsOf(ratios);
  if (cfg.json) {
    process.stdout.write(`${JSON.stringify({ variants: results, ratios, targets, config, runs, skipped })}\n`);
  } else {
    process.stdout.write(formatReport(results, ratios, targets, config, runs, skipped));
  }
}

await main();
