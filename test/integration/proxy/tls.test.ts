/**
 * TLS at the proxy: its own gRPC and WebSocket listeners (with and without client
 * certificates), and custom CAs and client certificates towards `grpcs://` / `wss://`
 * upstreams. Certificates are generated at test time (test/helpers/tls-certs.ts).
 */
import https from 'node:https';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { parseProxyConfig, type ProxyConfigInput } from '../../../src/proxy/config.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { startProxy } from '../../../src/proxy/proxy.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus } from '../../../src/transport/status.js';
import type { CallHandler, ClientTlsOptions, ClientTransport, ServerTlsOptions, TransportName } from '../../../src/transport/transport.js';
import { callWith } from '../../helpers/calls.js';
import { testCertificates, type TestCertificates } from '../../helpers/tls-certs.js';
import { CHAT_PROTO, chatSchema, EXCHANGE } from './chat-backends.js';

const tagged = (name: string): CallHandler => (call) =>
  call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus(Metadata.from({ 'x-served-by': name }))) });

describe('proxy TLS', () => {
  let certs: TestCertificates;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(() => {
    certs = testCertificates();
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function upstream(transport: TransportName, tls?: ServerTlsOptions): Promise<number> {
    const methods = [...(await chatSchema()).methods.values()];
    const options = { methods, handler: tagged(transport), ...(tls ? { tls } : {}) };
    const s = transport === 'grpc' ? createGrpcServer(options) : createWsServer(options);
    const { port } = await s.listen();
    cleanup.push(() => s.shutdown(0));
    return port;
  }

  async function proxy(input: Partial<ProxyConfigInput> & Pick<ProxyConfigInput, 'upstreams'>): Promise<{ grpc: string; ws: string }> {
    const p = await startProxy(parseProxyConfig({ proto: { files: [CHAT_PROTO] }, listen: { grpc: '127.0.0.1:0', ws: '127.0.0.1:0' }, ...input }), { transports: engineTransports() });
    cleanup.push(() => p.stop(0));
    const port = (a: string | null): string => a!.split(':')[1]!;
    return { grpc: port(p.addresses.grpc), ws: port(p.addresses.ws) };
  }

  function client(transport: TransportName, url: string, tls?: ClientTlsOptions): ClientTransport {
    const backoff = { initialMs: 50, maxMs: 100 };
    const c = transport === 'grpc' ? createGrpcClient({ address: url, backoff, ...(tls ? { tls } : {}) }) : createWsClient({ address: url, backoff, ...(tls ? { tls } : {}) });
    cleanup.push(() => c.close());
    return c;
  }

  const echo = async (c: ClientTransport): Promise<{ code: Code; servedBy: string | undefined; messages: number }> => {
    const r = await callWith(c, EXCHANGE, [new Uint8Array([10, 2, 104, 105])], { deadline: Date.now() + 5_000 });
    return { code: r.status.code, servedBy: r.status.trailers.getText('x-served-by'), messages: r.messages.length };
  };

  it('serves TLS on both listeners: clients trusting the CA get through, others fail UNAVAILABLE', async () => {
    const up = await upstream('grpc');
    const p = await proxy({ upstreams: { legacy: `grpc://127.0.0.1:${up}`, next: `grpc://127.0.0.1:${up}` }, tls: { listen: { cert: certs.serverCert, key: certs.serverKey } } });
    expect(await echo(client('grpc', `grpcs://localhost:${p.grpc}`, { ca: certs.caCert }))).toEqual({ code: Code.OK, servedBy: 'grpc', messages: 1 });
    expect(await echo(client('ws', `wss://localhost:${p.ws}`, { ca: certs.caCert }))).toEqual({ code: Code.OK, servedBy: 'grpc', messages: 1 });
    expect((await echo(client('grpc', `grpcs://localhost:${p.grpc}`, { ca: certs.otherCaCert }))).code).toBe(Code.UNAVAILABLE);
    expect((await echo(client('ws', `wss://localhost:${p.ws}`, { ca: certs.otherCaCert }))).code).toBe(Code.UNAVAILABLE);
    expect((await echo(client('grpc', `grpc://localhost:${p.grpc}`))).code).toBe(Code.UNAVAILABLE);
  });

  it('requires client certificates on the listeners when clientCa is set (mutual TLS)', async () => {
    const up = await upstream('ws');
    const p = await proxy({ upstreams: { legacy: `ws://127.0.0.1:${up}`, next: `ws://127.0.0.1:${up}` }, tls: { listen: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert } } });
    const mutual = { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey };
    expect(await echo(client('grpc', `grpcs://localhost:${p.grpc}`, mutual))).toEqual({ code: Code.OK, servedBy: 'ws', messages: 1 });
    expect(await echo(client('ws', `wss://localhost:${p.ws}`, mutual))).toEqual({ code: Code.OK, servedBy: 'ws', messages: 1 });
    expect((await echo(client('grpc', `grpcs://localhost:${p.grpc}`, { ca: certs.caCert }))).code).toBe(Code.UNAVAILABLE);
    expect((await echo(client('ws', `wss://localhost:${p.ws}`, { ca: certs.caCert }))).code).toBe(Code.UNAVAILABLE);
  });

  it('reaches grpcs:// and wss:// upstreams with a custom CA and a client certificate', async () => {
    const serverTls = { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert };
    const [g, w] = [await upstream('grpc', serverTls), await upstream('ws', serverTls)];
    const upstreamTls = { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, serverName: 'localhost' };
    const p = await proxy({
      upstreams: { legacy: `grpcs://127.0.0.1:${g}`, next: `wss://127.0.0.1:${w}` },
      routing: { splitBp: { default: 0 } },
      tls: { upstreams: { legacy: upstreamTls, next: upstreamTls } },
    });
    const c = client('grpc', `grpc://127.0.0.1:${p.grpc}`);
    expect(await echo(c)).toEqual({ code: Code.OK, servedBy: 'grpc', messages: 1 });
    const forced = await callWith(c, EXCHANGE, [new Uint8Array([10, 1, 120])], { metadata: Metadata.from({ 'x-switchyard-route': 'next' }), deadline: Date.now() + 5_000 });
    expect([forced.status.code, forced.status.trailers.getText('x-served-by')]).toEqual([Code.OK, 'ws']);
  });

  it('ends calls UNAVAILABLE when an upstream certificate is not trusted or no client certificate is offered', async () => {
    const serverTls = { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert };
    const [g, w] = [await upstream('grpc', serverTls), await upstream('ws', serverTls)];
    const p = await proxy({
      upstreams: { legacy: `grpcs://localhost:${g}`, next: `wss://localhost:${w}` },
      tls: { upstreams: { legacy: { ca: certs.otherCaCert, cert: certs.clientCert, key: certs.clientKey }, next: { ca: certs.caCert } } },
    });
    const c = client('ws', `ws://127.0.0.1:${p.ws}`);
    expect((await echo(c)).code).toBe(Code.UNAVAILABLE);
    const forced = await callWith(c, EXCHANGE, [new Uint8Array([10, 1, 120])], { metadata: Metadata.from({ 'x-switchyard-route': 'next' }), deadline: Date.now() + 5_000 });
    expect(forced.status.code).toBe(Code.UNAVAILABLE);
  });

  /** GET over HTTPS with the given trust and client certificate: status and body, or the handshake error. */
  function httpsGet(url: string, tls: { ca: string; cert?: string; key?: string }): Promise<{ status: number; body: string } | { error: string }> {
    return new Promise((resolve) => {
      const req = https.get(url, { ...tls, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (err) => resolve({ error: err.message }));
      });
      req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
  }

  async function adminProxy(admin: NonNullable<ProxyConfigInput['tls']>['admin']): Promise<string> {
    const up = await upstream('grpc');
    const p = await startProxy(
      parseProxyConfig({ proto: { files: [CHAT_PROTO] }, listen: { grpc: '127.0.0.1:0', admin: '127.0.0.1:0' }, upstreams: { legacy: `grpc://127.0.0.1:${up}`, next: `grpc://127.0.0.1:${up}` }, tls: { admin } }),
      { transports: engineTransports() },
    );
    cleanup.push(() => p.stop(0));
    return p.addresses.admin!.split(':')[1]!;
  }

  it('serves the admin listener over HTTPS: clients trusting the CA get through, others fail the handshake', async () => {
    const port = await adminProxy({ cert: certs.serverCert, key: certs.serverKey });
    const ok = await httpsGet(`https://localhost:${port}/healthz`, { ca: certs.caCert });
    expect(ok).toEqual({ status: 200, body: expect.stringContaining('"ok"') });
    expect(await httpsGet(`https://localhost:${port}/metrics`, { ca: certs.caCert })).toEqual({ status: 200, body: expect.stringContaining('switchyard_') });
    expect(await httpsGet(`https://localhost:${port}/healthz`, { ca: certs.otherCaCert })).toEqual({ error: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
    // Plain HTTP on the TLS port gets no answer.
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, (err: Error) => err.name);
    expect(plain).not.toBe(200);
  });

  it('requires admin client certificates when the admin clientCa is set (mutual TLS)', async () => {
    const port = await adminProxy({ cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert });
    expect(await httpsGet(`https://localhost:${port}/healthz`, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey })).toEqual({ status: 200, body: expect.stringContaining('"ok"') });
    const without = await httpsGet(`https://localhost:${port}/healthz`, { ca: certs.caCert });
    expect(without).toHaveProperty('error');
  });

  it('rejects TLS settings that cannot apply, naming the field', () => {
    const base = { proto: { files: [CHAT_PROTO] }, listen: { grpc: '127.0.0.1:0' }, upstreams: { legacy: 'grpc://127.0.0.1:1', next: 'wss://127.0.0.1:2' } };
    expect(() => parseProxyConfig({ ...base, tls: { upstreams: { legacy: { ca: certs.caCert } } } })).toThrow(/tls\.upstreams\.legacy: TLS settings for a plaintext upstream \(grpc:\/\/\)/);
    expect(() => parseProxyConfig({ ...base, tls: { upstreams: { next: { cert: certs.clientCert } } } })).toThrow(/tls\.upstreams\.next: cert and key go together/);
    expect(() => parseProxyConfig({ ...base, tls: { listen: { cert: 'not pem', key: certs.serverKey } } })).toThrow(/tls\.listen\.cert: expected PEM text/);
    expect(() => parseProxyConfig({ ...base, tls: { admin: { cert: certs.serverCert, key: certs.serverKey } } })).toThrow(/tls\.admin: TLS settings for the admin listener, but listen\.admin is not set/);
    expect(parseProxyConfig({ ...base, tls: { upstreams: { next: { ca: certs.caCert } } } }).tls.upstreams.next?.ca).toBe(certs.caCert);
  });
});
