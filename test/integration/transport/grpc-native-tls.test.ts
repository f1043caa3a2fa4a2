/** TLS and mutual TLS on both ends of the native gRPC engine, against grpc-js too. */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import type { ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { M, createTestHandler, grpcJsClient, runCall, runGrpcJsCall, startGrpcJsTestServer } from '../../helpers/grpc-test-service.js';
import { testCertificates, type TestCertificates } from '../../helpers/tls-certs.js';

const msg = Buffer.from([1, 2, 3]);

describe('native gRPC over TLS', () => {
  let certs: TestCertificates;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeAll(() => {
    certs = testCertificates();
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function tlsServer(mutual: boolean): Promise<number> {
    const server: ServerTransport = createGrpcServer({
      methods: Object.values(M),
      handler: createTestHandler().handler,
      tls: { cert: certs.serverCert, key: certs.serverKey, ...(mutual ? { ca: certs.caCert } : {}) },
    });
    const { port } = await server.listen();
    cleanup.push(() => server.shutdown(50));
    return port;
  }

  function client(port: number, tls: Parameters<typeof createGrpcClient>[0]['tls'], scheme = 'grpcs'): ClientTransport {
    const c = createGrpcClient({ address: `${scheme}://localhost:${port}`, tls, backoff: { initialMs: 50, maxMs: 100 } });
    cleanup.push(() => c.close());
    return c;
  }

  it('native client ↔ native server, verified against the test CA', async () => {
    const port = await tlsServer(false);
    const r = await runCall(client(port, { ca: certs.caCert }), M.unary, [msg]);
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages).toEqual([msg]);
  });

  it('a server certificate from an untrusted CA fails the call UNAVAILABLE', async () => {
    const port = await tlsServer(false);
    const r = await runCall(client(port, { ca: certs.otherCaCert }), M.unary, [msg]);
    expect(r.status.code).toBe(Code.UNAVAILABLE);
  });

  it('grpc-js client ↔ native TLS server', async () => {
    const port = await tlsServer(false);
    const c = grpcJsClient(`localhost:${port}`, grpc.credentials.createSsl(Buffer.from(certs.caCert)));
    cleanup.push(() => c.close());
    const r = await runGrpcJsCall(c, M.bidi, [msg, msg]);
    expect(r.status.code).toBe(0);
    expect(r.messages).toEqual([msg, msg]);
  });

  it('mutual TLS: a client certificate is required and accepted', async () => {
    const port = await tlsServer(true);
    const withCert = await runCall(client(port, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }), M.unary, [msg]);
    expect(withCert.status.code).toBe(Code.OK);
    const without = await runCall(client(port, { ca: certs.caCert }), M.unary, [msg]);
    expect(without.status.code).toBe(Code.UNAVAILABLE);
    const js = grpcJsClient(`localhost:${port}`, grpc.credentials.createSsl(Buffer.from(certs.caCert), Buffer.from(certs.clientKey), Buffer.from(certs.clientCert)));
    cleanup.push(() => js.close());
    expect((await runGrpcJsCall(js, M.unary, [msg])).status.code).toBe(0);
  });

  it('native client with mutual TLS ↔ grpc-js TLS server', async () => {
    const creds = grpc.ServerCredentials.createSsl(Buffer.from(certs.caCert), [{ cert_chain: Buffer.from(certs.serverCert), private_key: Buffer.from(certs.serverKey) }], true);
    const s = await startGrpcJsTestServer({}, creds);
    cleanup.push(() => void s.server.forceShutdown());
    const r = await runCall(client(s.port, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }), M.serverStream, [msg]);
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages.length).toBe(3);
  });
});
