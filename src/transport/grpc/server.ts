/**
 * The native gRPC server: gRPC over HTTP/2 straight on `node:http2`, without @grpc/grpc-js's
 * per-message machinery. Interoperates with any gRPC client (grpc-js, grpc-go, grpcurl).
 */
import http2, { constants, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { fail, SwitchyardError } from '../../errors.js';
import type { ServerTransport } from '../transport.js';
import { parseServerOptions, type GrpcServerOptions, type ServerSettings } from './options.js';
import { admit } from './server-accept.js';
import { GrpcServerCall } from './server-call.js';
import { ServerSession } from './server-session.js';

type ServerState = { t: 'idle' } | { t: 'listening' } | { t: 'draining'; done: Promise<void> } | { t: 'closed' };

/** Creates a gRPC server transport on `node:http2` (call `listen()` to start it). */
export function createGrpcServer(options: GrpcServerOptions): ServerTransport {
  return new GrpcServer(parseServerOptions(options));
}

class GrpcServer implements ServerTransport {
  readonly name = 'grpc' as const;
  private readonly server: Http2Server;
  private readonly sessions = new Map<ServerHttp2Session, ServerSession>();
  private state: ServerState = { t: 'idle' };
  private calls = 0;

  constructor(private readonly settings: ServerSettings) {
    const h2settings = { maxConcurrentStreams: settings.maxConcurrentStreams, initialWindowSize: settings.initialWindowBytes };
    const tls = settings.tls;
    this.server = tls
      ? http2.createSecureServer({
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
          ALPNProtocols: ['h2'],
          allowHTTP1: false,
          settings: h2settings,
        })
      : http2.createServer({ settings: h2settings });
    this.server.on('session', (s) => this.onSession(s));
    this.server.on('stream', (stream: ServerHttp2Stream, _headers: unknown, _flags: number, raw: string[]) => this.onStream(stream, raw));
    this.server.on('sessionError', (err) => settings.logger.debug({ err }, 'grpc server session error'));
    this.server.on('tlsClientError', (err) => settings.logger.warn({ err: err.message }, 'grpc server TLS handshake failed'));
    this.server.on('error', (err) => settings.logger.error({ err }, 'grpc server error'));
  }

  get activeCalls(): number {
    return this.calls;
  }

  listen(): Promise<{ host: string; port: number }> {
    if (this.state.t !== 'idle') return Promise.reject(fail('TRANSPORT_LISTEN_FAILED', `gRPC server is already ${this.state.t}`));
    const { host, port } = this.settings;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(fail('TRANSPORT_LISTEN_FAILED', `gRPC server cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.state = { t: 'listening' };
        const addr = this.server.address();
        const bound = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host, port };
        this.settings.logger.info({ ...bound, tls: Boolean(this.settings.tls) }, 'grpc server listening');
        resolve(bound);
      });
    });
  }

  shutdown(graceMs: number = this.settings.shutdownGraceMs): Promise<void> {
    const st = this.state;
    if (st.t === 'closed') return Promise.resolve();
    if (st.t === 'draining') return st.done;
    if (st.t === 'idle') {
      this.state = { t: 'closed' };
      return Promise.resolve();
    }
    const done = this.drain(graceMs).finally(() => {
      this.state = { t: 'closed' };
    });
    this.state = { t: 'draining', done };
    return done;
  }

  private async drain(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions.values()) if (!s.session.closed) s.session.close();
    const finished = await waitFor(() => this.sessions.size === 0, graceMs);
    if (!finished) {
      this.settings.logger.warn({ calls: this.calls, graceMs }, 'grpc server grace period over; ending remaining calls UNAVAILABLE');
      const reason = fail('TRANSPORT_UNAVAILABLE', `the server shut down before the call finished (grace period ${graceMs} ms)`);
      for (const s of this.sessions.values()) s.failCalls(reason);
      // Give the statuses a moment to leave, then cut whatever is left.
      await waitFor(() => this.sessions.size === 0, Math.min(1_000, Math.max(100, graceMs)));
      for (const s of [...this.sessions.values()]) s.kill(reason);
    }
    await closed;
  }

  private onSession(session: ServerHttp2Session): void {
    session.on('error', (err) => this.settings.logger.debug({ err }, 'grpc server connection error'));
    session.on('frameError', (type, code, id) => this.settings.logger.debug({ type, code, id }, 'grpc server frame error'));
    if (this.sessions.size >= this.settings.maxConnections || this.state.t !== 'listening') {
      const why = this.state.t !== 'listening' ? 'server shutting down' : `too many connections (limit ${this.settings.maxConnections})`;
      this.settings.logger.warn({ limit: this.settings.maxConnections }, `grpc server refused a connection: ${why}`);
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from(why));
      setImmediate(() => session.destroy());
      return;
    }
    const state = new ServerSession(session, this.settings, (d) => (this.calls += d));
    this.sessions.set(session, state);
    session.once('close', () => {
      state.dispose();
      this.sessions.delete(session);
    });
  }

  private onStream(stream: ServerHttp2Stream, raw: string[]): void {
    const session = this.sessions.get(stream.session as ServerHttp2Session);
    if (!session) {
      stream.on('error', () => {});
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const admission = admit(stream, raw, {
      methods: this.settings.methods,
      draining: this.state.t !== 'listening',
      openCalls: session.calls.size,
      maxConcurrentStreams: this.settings.maxConcurrentStreams,
      peer: session.peer,
    });
    if (admission.t === 'refused') {
      stream.on('error', () => {});
      this.settings.logger.debug({ peer: session.peer, err: admission.error.message }, 'grpc server refused a call');
      return;
    }
    const call = new GrpcServerCall(stream, admission.init, session);
    session.add(call);
    try {
      this.settings.handler(call);
    } catch (err) {
      const e = SwitchyardError.from(err);
      this.settings.logger.warn({ err: e, method: call.method }, 'grpc call handler threw');
      call.fail(e, true);
    }
  }
}

/** Resolves true once `check()` holds, or false after `ms`. */
function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (check()) return resolve(true);
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve(true);
      } else if (Date.now() - started >= ms) {
        clearInterval(timer);
        resolve(false);
      }
    }, 10);
  });
}
