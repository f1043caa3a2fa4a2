/**
 * Reference "proxies" that bound what any proxy can reach in this bench, measured in the
 * same run as the real one:
 * - `pipe`: a TCP byte pipe (one upstream connection per client connection, `pipe()` both
 *   ways). It parses nothing, so it is the cheapest a process in the path can be: two
 *   socket reads and two writes per batch, like any proxy. No proxy of either protocol can
 *   beat its throughput or its CPU.
 * - `h2relay`: the plainest gRPC-capable relay `node:http2` allows: one upstream HTTP/2
 *   session, each incoming stream mirrored by an upstream stream, DATA chunks, headers
 *   and trailers forwarded as they come. It bounds any gRPC proxy built on `node:http2`.
 */
import net from 'node:net';
import http2 from 'node:http2';
import { cpuSinceUs, serveRequests } from './ipc.js';

async function listen(server: net.Server | http2.Http2Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function pipeTo(port: number): Promise<string> {
  const server = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    down.setNoDelay(true);
    up.setNoDelay(true);
    down.pipe(up);
    up.pipe(down);
    for (const [a, b] of [[down, up], [up, down]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  return listen(server);
}

const HOP_BY_HOP = new Set([':authority', ':scheme']);

function h2RelayTo(port: number): Promise<string> {
  const upstream = http2.connect(`http://127.0.0.1:${port}`);
  upstream.on('error', () => {});
  const server = http2.createServer();
  server.on('stream', (down, headers) => {
    const h: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) h[k] = v;
    const up = upstream.request(h, { endStream: false });
    const forward = (from: http2.Http2Stream, to: http2.Http2Stream): void => {
      from.on('data', (chunk: Buffer) => {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    forward(down, up);
    forward(up, down);
    down.on('end', () => up.end());
    let trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '2', 'grpc-message': 'no trailers' };
    up.on('response', (rh) => {
      const o: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(rh)) if (!k.startsWith(':') || k === ':status') o[k] = v;
      down.respond(o, { waitForTrailers: true });
    });
    up.on('trailers', (t) => {
      trailers = {};
      for (const [k, v] of Object.entries(t)) if (!k.startsWith(':')) trailers[k] = v as string | string[];
    });
    down.on('wantTrailers', () => down.sendTrailers(trailers));
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  return listen(server);
}

/** Runs a floor role (`pipe` or `h2relay`): `start` with `ports` answers the addresses in front of them. */
export function floorRole(kind: 'pipe' | 'h2relay'): void {
  let base = process.cpuUsage();
  serveRequests(async (req) => {
    if (req['op'] === 'start') {
      const ports = req['ports'] as number[];
      const addresses = await Promise.all(ports.map((p) => (kind === 'pipe' ? pipeTo(p) : h2RelayTo(p))));
      return { addresses };
    }
    if (req['op'] === 'reset') {
      base = process.cpuUsage();
      return {};
    }
    if (req['op'] === 'report') return { cpuUs: cpuSinceUs(base) };
    throw new Error(`unknown op ${String(req['op'])}`);
  });
}
