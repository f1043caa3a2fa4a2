/**
 * The benchmark's variants: an echo server and a client link for each. Switchyard variants use
 * the transports' push API on both sides, so the figures measure the transport itself.
 */
import * as grpc from '@grpc/grpc-js';
import { WebSocket, WebSocketServer } from 'ws';
import { okStatus } from '../../src/transport/status.js';
import type { CallHandler, ClientTransport, CommonClientOptions, CommonServerOptions, ServerTransport } from '../../src/transport/transport.js';

/** Variant names, in the order they run and print. */
export const VARIANTS = ['raw-ws', 'raw-grpc', 'ws', 'grpc', 'grpc-js'] as const;
/** A variant name. */
export type Variant = (typeof VARIANTS)[number];

/** The echoed method (the chat service's bidi method). */
export const METHOD = { path: '/chat.ChatService/ExchangeMessages', kind: 'bidi' as const };

/** A running echo server. */
export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

/** What the driver needs from a client: push-based send with backpressure, and a receiver. */
export interface EchoLink {
  /** Sends one message; false asks the driver to wait for `onDrain`. */
  send(message: Uint8Array): boolean;
  /** Sets where echoes and drains go. */
  setReceiver(r: { onMessage(m: Uint8Array): void; onDrain(): void }): void;
  close(): Promise<void>;
}

const identity = <T>(x: T): T => x;

type ServerFactory = (o: CommonServerOptions) => ServerTransport;
type ClientFactory = (o: CommonClientOptions) => ClientTransport;

async function engines(v: 'ws' | 'grpc' | 'grpc-js'): Promise<{ server: ServerFactory; client: ClientFactory }> {
  if (v === 'ws') {
    const m = await import('../../src/transport/ws/index.js');
    return { server: m.createWsServer, client: m.createWsClient };
  }
  if (v === 'grpc') {
    const m = await import('../../src/transport/grpc/index.js');
    return { server: m.createGrpcServer, client: m.createGrpcClient };
  }
  const m = await import('../../src/transport/grpc-js/index.js');
  return { server: m.createGrpcJsServer, client: m.createGrpcJsClient };
}

/** Echo through the push API: every request written back as it arrives. */
const echoHandler: CallHandler = (call) => {
  call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) });
};

/** Starts the echo server of a variant on 127.0.0.1, port 0. */
export async function startEchoServer(v: Variant): Promise<EchoServer> {
  if (v === 'raw-ws') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
    return { port: (wss.address() as { port: number }).port, close: () => new Promise((r) => wss.close(() => r())) };
  }
  if (v === 'raw-grpc') {
    const server = new grpc.Server();
    server.register<Buffer, Buffer>(METHOD.path, (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (m: Buffer) => call.write(m));
      call.on('end', () => call.end());
    }, identity, identity, 'bidi');
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    return { port, close: () => new Promise((r) => server.tryShutdown(() => r())) };
  }
  const e = await engines(v);
  const server = e.server({ methods: [METHOD], handler: echoHandler });
  const { port } = await server.listen();
  return { port, close: () => server.shutdown(1_000) };
}

/** Opens the client link of a variant: one connection, one bidi stream. */
export async function openEchoLink(v: Variant, port: number): Promise<EchoLink> {
  if (v === 'raw-ws') return rawWsLink(port);
  if (v === 'raw-grpc') return rawGrpcLink(port);
  const e = await engines(v);
  const transport = e.client({ address: `127.0.0.1:${port}` });
  await transport.connect();
  const call = transport.start(METHOD);
  let receiver: { onMessage(m: Uint8Array): void; onDrain(): void } | undefined;
  call.listen({ onMessage: (m) => receiver?.onMessage(m), onDrain: () => receiver?.onDrain(), onStatus: () => undefined });
  return {
    send: (m) => call.write(m),
    setReceiver: (r) => (receiver = r),
    close: async () => {
      call.halfClose();
      await transport.close();
    },
  };
}

async function rawWsLink(port: number): Promise<EchoLink> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let receiver: { onMessage(m: Uint8Array): void; onDrain(): void } | undefined;
  ws.on('message', (data) => receiver?.onMessage(data as Buffer));
  return {
    send: (m) => (ws.send(m), true),
    setReceiver: (r) => (receiver = r),
    close: () => new Promise((r) => (ws.once('close', () => r()), ws.close())),
  };
}

async function rawGrpcLink(port: number): Promise<EchoLink> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
  const call = client.makeBidiStreamRequest<Uint8Array, Buffer>(METHOD.path, (m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength), identity);
  let receiver: { onMessage(m: Uint8Array): void; onDrain(): void } | undefined;
  call.on('data', (m: Buffer) => receiver?.onMessage(m));
  call.on('drain', () => receiver?.onDrain());
  call.on('error', () => undefined);
  return {
    send: (m) => call.write(m),
    setReceiver: (r) => (receiver = r),
    close: async () => {
      call.end();
      client.close();
    },
  };
}
