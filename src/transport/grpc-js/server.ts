/**
 * The gRPC server transport on @grpc/grpc-js: one generic handler per served method with
 * identity (de)serializers, so message bytes are never decoded. Connections are accepted by
 * a `net.Server` of our own and handed to grpc-js through its connection injector, which is
 * what lets this engine enforce `maxConnections`.
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Code, fail } from '../../errors.js';
import { status } from '../status.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { MethodInfo, ServerTransport } from '../transport.js';
import { resolveServerOptions, serverChannelOptions, type GrpcJsServerOptions, type ResolvedServerOptions } from './options.js';
import { GrpcJsServerCall, type RawServerStream } from './server-call.js';

/** Default grace period of {@link ServerTransport.shutdown}, ms. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

type ServerState =
  | { t: 'new' }
  | { t: 'listening'; grpcServer: grpc.Server; netServer: net.Server; address: { host: string; port: number } }
  | { t: 'stopping'; done: Promise<void> }
  | { t: 'stopped' };

const identity = <T>(x: T): T => x;
const toBuffer = (m: Uint8Array): Buffer => (Buffer.isBuffer(m) ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength));

/** Creates a gRPC server transport on @grpc/grpc-js. Call `listen()` to start it. */
export function createGrpcJsServer(options: GrpcJsServerOptions): ServerTransport {
  return new GrpcJsServer(options);
}

class GrpcJsServer implements ServerTransport {
  readonly name = 'grpc' as const;
  private readonly opts: ResolvedServerOptions;
  private readonly methods: MethodInfo[];
  private readonly logger: Logger;
  private readonly calls = new Set<GrpcJsServerCall>();
  private readonly sockets = new Set<net.Socket>();
  private state: ServerState = { t: 'new' };

  constructor(private readonly options: GrpcJsServerOptions) {
    this.opts = resolveServerOptions(options);
    this.methods = [...options.methods];
    this.logger = options.logger ?? silentLogger;
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.state.t === 'listening') return this.state.address;
    if (this.state.t !== 'new') throw fail('TRANSPORT_CLOSED', 'this gRPC server was shut down; create a new one');
    const grpcServer = new grpc.Server(serverChannelOptions(this.opts));
    for (const m of this.methods) {
      grpcServer.register<Buffer, Uint8Array>(m.path, (stream: RawServerStream) => this.onCall(stream, m), toBuffer, identity, 'bidi');
    }
    const injector = grpcServer.createConnectionInjector(this.credentials());
    const netServer = net.createServer((socket) => this.onConnection(socket, injector));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        grpcServer.forceShutdown();
        this.state = { t: 'stopped' };
        reject(fail('TRANSPORT_LISTEN_FAILED', `gRPC server cannot listen on ${this.opts.host}:${this.opts.port}: ${err.message}`, { cause: err }));
      };
      netServer.once('error', onError);
      netServer.listen(this.opts.port, this.opts.host, () => {
        netServer.off('error', onError);
        resolve();
      });
    });
    netServer.on('error', (err) => this.logger.error({ err }, 'gRPC listener error'));
    const bound = netServer.address() as net.AddressInfo;
    const address = { host: bound.address, port: bound.port };
    this.state = { t: 'listening', grpcServer, netServer, address };
    this.logger.debug({ address, methods: this.methods.length }, 'gRPC (grpc-js) server listening');
    return address;
  }

  shutdown(graceMs: number = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    const s = this.state;
    if (s.t === 'stopping') return s.done;
    if (s.t !== 'listening') {
      this.state = { t: 'stopped' };
      return Promise.resolve();
    }
    const done = this.drain(s.grpcServer, s.netServer, graceMs).finally(() => {
      this.state = { t: 'stopped' };
    });
    this.state = { t: 'stopping', done };
    return done;
  }

  private async drain(grpcServer: grpc.Server, netServer: net.Server, graceMs: number): Promise<void> {
    const listenerClosed = new Promise<void>((resolve) => netServer.close(() => resolve()));
    const graceful = new Promise<boolean>((resolve) => grpcServer.tryShutdown(() => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const clean = await Promise.race([graceful, expired]);
    clearTimeout(timer);
    if (!clean) {
      this.logger.warn({ calls: this.calls.size, graceMs }, 'gRPC shutdown grace period over; ending the remaining calls UNAVAILABLE');
      for (const call of [...this.calls]) call.abortUnavailable('the server is shutting down');
      // Let the UNAVAILABLE statuses reach the socket before the sessions are destroyed.
      await new Promise((r) => setTimeout(r, 20));
      grpcServer.forceShutdown();
    }
    for (const socket of this.sockets) socket.destroy();
    await listenerClosed;
  }

  private credentials(): grpc.ServerCredentials {
    const tls = this.options.tls;
    if (!tls) return grpc.ServerCredentials.createInsecure();
    const buf = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);
    return grpc.ServerCredentials.createSsl(tls.ca ? buf(tls.ca) : null, [{ cert_chain: buf(tls.cert), private_key: buf(tls.key) }], tls.ca !== undefined);
  }

  private onConnection(socket: net.Socket, injector: grpc.ConnectionInjector): void {
    if (this.state.t !== 'listening') {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= this.opts.maxConnections) {
      this.logger.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}`, maxConnections: this.opts.maxConnections }, 'gRPC connection refused: too many connections');
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    injector.injectConnection(socket);
  }

  private onCall(stream: RawServerStream, method: MethodInfo): void {
    const call = new GrpcJsServerCall(stream, method, this.opts.maxMessageBytes, (c) => this.calls.delete(c));
    this.calls.add(call);
    try {
      this.options.handler(call);
    } catch (err) {
      this.logger.error({ err, method: method.path }, 'call handler threw');
      call.end(status(Code.INTERNAL, 'the server failed to handle the call'));
    }
  }
}
