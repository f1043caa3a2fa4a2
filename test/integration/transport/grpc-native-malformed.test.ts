/**
 * Malformed input sent with a raw `node:http2` client (and raw TCP) fails that stream or
 * connection with a clear status; the native server keeps serving others.
 */
import fc from 'fast-check';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { frameMessage } from '../../../src/transport/grpc/framing.js';
import type { ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { M, createTestHandler, runCall } from '../../helpers/grpc-test-service.js';

interface RawOutcome {
  httpStatus: number | undefined;
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
  headers: http2.IncomingHttpHeaders | undefined;
  rstCode: number | undefined;
}

/** Sends one raw request and collects the status, wherever it came (headers or trailers). */
function raw(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body: Buffer[], end = true, settleMs?: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    if (settleMs !== undefined) setTimeout(() => resolve(out), settleMs);
    const out: RawOutcome = { httpStatus: undefined, grpcStatus: undefined, grpcMessage: undefined, headers: undefined, rstCode: undefined };
    const req = session.request({ ':method': 'POST', ':path': M.bidi.path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const take = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) out.grpcStatus = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) out.grpcMessage = decodeURIComponent(String(h['grpc-message']));
      // A status ends the call even if this raw client never closes its side.
      if (out.grpcStatus !== undefined && !end) setImmediate(() => resolve(out));
    };
    req.on('response', (h) => {
      out.httpStatus = Number(h[':status']);
      out.headers = h;
      take(h);
    });
    req.on('trailers', take);
    req.on('data', () => {});
    req.on('error', () => {});
    req.on('close', () => {
      out.rstCode = req.rstCode;
      resolve(out);
    });
    for (const b of body) req.write(b);
    if (end) req.end();
  });
}

describe('native gRPC server with malformed input', () => {
  let server: ServerTransport;
  let port: number;
  let session: http2.ClientHttp2Session;
  let client: ClientTransport;

  beforeAll(async () => {
    server = createGrpcServer({ methods: Object.values(M), handler: createTestHandler().handler, maxMessageBytes: 1024 });
    port = (await server.listen()).port;
    session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    client = createGrpcClient({ address: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    session.destroy();
    await client.close();
    await server.shutdown(50);
  });

  async function stillServes(): Promise<void> {
    const r = await runCall(client, M.unary, [Buffer.from('ok')]);
    expect(r.status.code).toBe(Code.OK);
  }

  it('a bad flag byte in the length prefix → INTERNAL naming the frame', async () => {
    const r = await raw(session, {}, [Buffer.from([7, 0, 0, 0, 1, 42])]);
    expect(r.grpcStatus).toBe(Code.INTERNAL);
    expect(r.grpcMessage).toMatch(/flag byte 0x07/);
    await stillServes();
  });

  it('a compressed message without negotiated compression → INTERNAL saying so', async () => {
    const r = await raw(session, {}, [Buffer.from([1, 0, 0, 0, 1, 42])]);
    expect(r.grpcStatus).toBe(Code.INTERNAL);
    expect(r.grpcMessage).toMatch(/compressed flag/);
  });

  it('grpc-encoding gzip → UNIMPLEMENTED with grpc-accept-encoding: identity', async () => {
    const r = await raw(session, { 'grpc-encoding': 'gzip' }, [frameMessage(Buffer.from('x'))]);
    expect(r.grpcStatus).toBe(Code.UNIMPLEMENTED);
    expect(r.headers?.['grpc-accept-encoding']).toBe('identity');
  });

  it('a length prefix above the maximum → RESOURCE_EXHAUSTED before the body arrives', async () => {
    const r = await raw(session, {}, [Buffer.from([0, 0x7f, 0xff, 0xff, 0xff])], false);
    expect(r.grpcStatus).toBe(Code.RESOURCE_EXHAUSTED);
    expect(r.grpcMessage).toMatch(/2147483647 bytes/);
  });

  it('a stream that ends inside a message → INTERNAL', async () => {
    const r = await raw(session, {}, [Buffer.from([0, 0, 0, 0, 10, 1, 2, 3])]);
    expect(r.grpcStatus).toBe(Code.INTERNAL);
    expect(r.grpcMessage).toMatch(/got 3 of 10 bytes/);
  });

  it('wrong HTTP method, wrong content-type, bad grpc-timeout', async () => {
    expect((await raw(session, { ':method': 'PUT' }, [])).httpStatus).toBe(405);
    const ct = await raw(session, { 'content-type': 'application/json' }, []);
    expect(ct.httpStatus).toBe(415);
    expect(ct.grpcStatus).toBe(Code.INTERNAL);
    const to = await raw(session, { 'grpc-timeout': '12parsecs' }, []);
    expect(to.grpcStatus).toBe(Code.INTERNAL);
    expect(to.grpcMessage).toMatch(/grpc-timeout/);
    await stillServes();
  });

  it('garbage on a raw TCP connection closes that connection only', async () => {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => {});
    sock.resume();
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'garbage'.repeat(100));
    await closed;
    await stillServes();
  });

  it('streams over the concurrency limit opened before SETTINGS arrive are refused', async () => {
    const limited = createGrpcServer({ methods: Object.values(M), handler: createTestHandler().handler, maxConcurrentStreams: 2 });
    const { port: p } = await limited.listen();
    const eager = http2.connect(`http://127.0.0.1:${p}`, { peerMaxConcurrentStreams: 1000 });
    eager.on('error', () => {});
    try {
      // Sent at once, before the server's SETTINGS (max 2 streams) reach the client.
      const outcomes = await Promise.all([0, 1, 2, 3].map(() => raw(eager, { ':path': M.hang.path }, [frameMessage(Buffer.from('x'))], false, 300)));
      const refused = outcomes.filter((o) => o.grpcStatus === Code.RESOURCE_EXHAUSTED || o.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM);
      expect(refused.length).toBe(2);
      expect(limited.activeCalls).toBeLessThanOrEqual(2);
    } finally {
      eager.destroy();
      await limited.shutdown(50);
    }
  });

  it('thousands of random chunks on many streams never crash the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { minLength: 1, maxLength: 40 }), async (chunks) => {
        const r = await raw(session, {}, chunks.map((c) => Buffer.from(c)));
        // Either a gRPC status or a reset: never silence, never a crash.
        expect(r.grpcStatus !== undefined || r.rstCode !== undefined).toBe(true);
      }),
      { numRuns: 150 },
    );
    await stillServes();
  });
});
