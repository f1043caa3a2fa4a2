/**
 * One side of a benchmark variant, run in its own process by `run.ts` (IPC messages):
 *
 *     server <variant>                                   → {ready, port}; mark/report CPU; stop
 *     client <variant> <port> <count> <inflight> <warmup> <messageHex> → {measuring}; wait go; {result}
 */
import { drive } from './driver.js';
import { openEchoLink, startEchoServer, VARIANTS, type Variant } from './variants.js';

type ParentMessage = { type: 'mark' } | { type: 'report' } | { type: 'stop' } | { type: 'go' };

function send(message: unknown): void {
  process.send?.(message);
}

function cpuSince(base: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(base);
  return d.user + d.system;
}

async function server(variant: Variant): Promise<void> {
  const echo = await startEchoServer(variant);
  let base = process.cpuUsage();
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'mark') base = process.cpuUsage();
    else if (m.type === 'report') send({ type: 'cpu', cpuUs: cpuSince(base) });
    else if (m.type === 'stop') void echo.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', port: echo.port });
}

async function client(variant: Variant, port: number, count: number, inflight: number, warmup: number, hex: string): Promise<void> {
  const message = Buffer.from(hex, 'hex');
  const link = await openEchoLink(variant, port);
  if (warmup > 0) await drive(link, message, warmup, inflight);
  const go = new Promise<void>((resolve) => process.once('message', (m: ParentMessage) => m.type === 'go' && resolve()));
  send({ type: 'measuring' });
  await go;
  const base = process.cpuUsage();
  const r = await drive(link, message, count, inflight);
  const cpuUs = cpuSince(base);
  const intact = r.last !== undefined && Buffer.compare(Buffer.from(r.last), message) === 0;
  send({ type: 'result', msgsPerSec: r.msgsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, elapsedMs: r.elapsedMs, cpuUs, intact });
  await link.close();
  process.exit(0);
}

const [role, variant, ...rest] = process.argv.slice(2);
if (!VARIANTS.includes(variant as Variant)) throw new Error(`unknown variant ${String(variant)}`);
if (role === 'server') await server(variant as Variant);
else await client(variant as Variant, Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]), String(rest[4]));
