/**
 * Quick check of the native gRPC engine against raw @grpc/grpc-js (not the official
 * `npm run bench:transport`): bidi echo of 60-byte messages over one stream, client and
 * server in separate processes, with a bounded number of messages in flight.
 *
 *     npx tsx test/helpers/grpc-native-bench.ts [--count 200000] [--window 1000] [--runs 3]
 *
 * Prints messages/s, p50/p99 round-trip latency and server CPU µs per message (median of
 * the runs) for each client/server pairing, and the native/raw ratio. `GN_PAIRS` (JSON list
 * of `[client, server]` engine pairs) restricts the pairings.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createGrpcClient, createGrpcServer } from '../../src/transport/grpc/index.js';
import { okStatus } from '../../src/transport/status.js';

type Engine = 'native' | 'grpcjs';
const PATH = '/bench.Echo/Bidi';
const MESSAGE_BYTES = 60;
const identity = (b: Buffer): Buffer => b;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serve(engine: Engine): Promise<number> {
  if (engine === 'native') {
    const server = createGrpcServer({
      methods: [{ path: PATH, kind: 'bidi' }],
      handler(call) {
        call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) });
      },
    });
    return (await server.listen()).port;
  }
  const server = new grpc.Server();
  server.register(
    PATH,
    (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (m: Buffer) => call.write(m));
      call.on('end', () => call.end());
    },
    identity,
    identity,
    'bidi',
  );
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

interface Result {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function summarize(latencies: Float64Array, elapsedMs: number): Result {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { msgsPerSec: Math.round((latencies.length / elapsedMs) * 1000), p50Ms: +at(0.5).toFixed(3), p99Ms: +at(0.99).toFixed(3) };
}

/** Runs the echo loop with a generic stream API. */
function pump(count: number, window: number, open: (onMessage: (m: Uint8Array) => void, onDone: () => void) => { write(m: Buffer): boolean; end(): void; onDrain(cb: () => void): void }): Promise<Result> {
  return new Promise((resolve) => {
    const sentAt = new Float64Array(count);
    const latencies = new Float64Array(count);
    let sent = 0;
    let received = 0;
    let blocked = false;
    const started = performance.now();
    const stream = open(
      (m) => {
        const seq = Buffer.from(m.buffer, m.byteOffset, m.byteLength).readUInt32BE(0);
        latencies[received++] = performance.now() - sentAt[seq]!;
        if (received === count) stream.end();
        else if (!blocked) fill();
      },
      () => resolve(summarize(latencies, performance.now() - started)),
    );
    stream.onDrain(() => {
      blocked = false;
      fill();
    });
    function fill(): void {
      while (sent < count && sent - received < window) {
        const buf = Buffer.alloc(MESSAGE_BYTES, 7);
        buf.writeUInt32BE(sent, 0);
        sentAt[sent] = performance.now();
        sent++;
        if (!stream.write(buf)) {
          blocked = true;
          return;
        }
      }
    }
    fill();
  });
}

async function client(engine: Engine, port: number, count: number, window: number): Promise<Result> {
  if (engine === 'native') {
    const c = createGrpcClient({ address: `127.0.0.1:${port}` });
    await c.connect();
    let drain = (): void => {};
    const r = await pump(count, window, (onMessage, onDone) => {
      const call = c.start({ path: PATH, kind: 'bidi' });
      call.listen({ onMessage, onStatus: onDone, onDrain: () => drain() });
      return { write: (m) => call.write(m), end: () => call.halfClose(), onDrain: (cb) => (drain = cb) };
    });
    await c.close();
    return r;
  }
  const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const r = await pump(count, window, (onMessage, onDone) => {
    const call = c.makeBidiStreamRequest(PATH, identity, identity);
    call.on('data', onMessage);
    call.on('status', onDone);
    call.on('error', () => {});
    return { write: (m) => call.write(m), end: () => call.end(), onDrain: (cb) => call.on('drain', cb) };
  });
  c.close();
  return r;
}

function startChild(role: string, ...args: string[]): { child: ChildProcess; message: Promise<unknown> } {
  const child = fork(fileURLToPath(import.meta.url), [role, ...args], { execArgv: ['--import', 'tsx'] });
  const message = new Promise((resolve) => child.once('message', resolve));
  return { child, message };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role === 'server') {
    const port = await serve(process.argv[3] as Engine);
    let base = process.cpuUsage();
    process.send!({ port });
    process.on('message', (m) => {
      if (m === 'reset') base = process.cpuUsage();
      else if (m === 'cpu') {
        const u = process.cpuUsage(base);
        process.send!({ cpuUs: u.user + u.system });
      }
    });
    return;
  }
  if (role === 'client') {
    const r = await client(process.argv[3] as Engine, Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
    process.send!(r, () => process.exit(0));
    return;
  }
  const count = arg('count', 200_000);
  const window = arg('window', 1000);
  const runs = arg('runs', 3);
  const only = process.env.GN_PAIRS ? (JSON.parse(process.env.GN_PAIRS) as Array<[Engine, Engine]>) : undefined;
  const pairs: Array<[Engine, Engine]> = only ?? [
    ['grpcjs', 'grpcjs'],
    ['native', 'native'],
    ['grpcjs', 'native'],
    ['native', 'grpcjs'],
  ];
  const table: Record<string, Result & { serverCpuUsPerMsg: number }> = {};
  for (const [clientEngine, serverEngine] of pairs) {
    const best: Array<Result & { serverCpuUsPerMsg: number }> = [];
    const server = startChild('server', serverEngine);
    const { port } = (await server.message) as { port: number };
    for (let i = 0; i < runs; i++) {
      server.child.send('reset');
      const c = startChild('client', clientEngine, String(port), String(count), String(window));
      const r = (await c.message) as Result;
      const cpu = new Promise((resolve) => server.child.once('message', resolve));
      server.child.send('cpu');
      const { cpuUs } = (await cpu) as { cpuUs: number };
      best.push({ ...r, serverCpuUsPerMsg: +(cpuUs / count).toFixed(2) });
    }
    server.child.kill();
    best.sort((a, b) => b.msgsPerSec - a.msgsPerSec);
    table[`client ${clientEngine} → server ${serverEngine}`] = best[Math.floor(best.length / 2)]!;
  }
  console.table(table);
  const raw = table['client grpcjs → server grpcjs'];
  const native = table['client native → server native'];
  if (!raw || !native) return;
  console.log(`native/raw grpc-js throughput: ${(native.msgsPerSec / raw.msgsPerSec).toFixed(2)}×; server CPU per message: ${(native.serverCpuUsPerMsg / raw.serverCpuUsPerMsg).toFixed(2)}×`);
}

await main();
