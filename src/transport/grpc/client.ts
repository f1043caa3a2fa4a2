/**
 * The native gRPC client: one HTTP/2 connection (reconnected with exponential backoff and
 * full jitter) carrying every call, with the connection state machine of `lifecycle.ts`.
 *
 * Calls are fail-fast, as in gRPC: a call started while the connection is in
 * transient-failure ends UNAVAILABLE at once; calls started while connecting wait for it.
 */
import http2, { constants, type ClientHttp2Session } from 'node:http2';
import { fail, type SwitchyardError } from '../../errors.js';
import { Lifecycle, backoffDelayMs, type ConnectionEvents, type ConnectionState } from '../lifecycle.js';
import { statusFromError } from '../status.js';
import type { CallOptions, ClientCall, ClientTransport, MethodInfo } from '../transport.js';
import { GrpcClientCall, type ClientCallHost } from './client-call.js';
import { startKeepalive } from './keepalive.js';
import { parseClientOptions, type ClientSettings, type GrpcClientOptions } from './options.js';

/** Creates a gRPC client transport on `node:http2`. It connects on the first call or on `connect()`. */
export function createGrpcClient(options: GrpcClientOptions): ClientTransport {
  return new GrpcClient(parseClientOptions(options));
}

type Conn =
  | { t: 'none' }
  | { t: 'waiting'; timer: NodeJS.Timeout }
  | { t: 'connecting'; session: ClientHttp2Session; timer: NodeJS.Timeout }
  | { t: 'ready'; session: ClientHttp2Session };

class GrpcClient implements ClientTransport, ClientCallHost {
  readonly name = 'grpc' as const;
  private readonly lifecycle = new Lifecycle();
  private conn: Conn = { t: 'none' };
  private attempt = 0;
  private readonly pending = new Set<GrpcClientCall>();
  private readonly calls = new Set<GrpcClientCall>();
  private readonly lost = new WeakMap<ClientHttp2Session, SwitchyardError>();
  private closing: Promise<void> | undefined;
  /** Keepalive interval; doubled when a server complains of too many pings (as grpc-js does). */
  private keepaliveIntervalMs: number;

  constructor(readonly settings: ClientSettings) {
    this.keepaliveIntervalMs = settings.heartbeat.intervalMs;
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  get events(): ConnectionEvents {
    return this.lifecycle;
  }

  start(method: MethodInfo, options: CallOptions = {}): ClientCall {
    const call = new GrpcClientCall(this, method, options);
    const st = this.lifecycle.state;
    if (call.isDone) return call;
    if (this.conn.t === 'ready') {
      this.calls.add(call);
      call.start(this.conn.session);
    } else if (st.t === 'closed') {
      call.fail(statusFromError(fail('TRANSPORT_CLOSED', 'the client is closed')));
    } else if (st.t === 'transient-failure') {
      call.fail(statusFromError(fail('TRANSPORT_UNAVAILABLE', `not connected to ${this.settings.authority}: ${st.error.rawMessage} (retrying in ${st.retryInMs} ms)`)));
    } else {
      this.pending.add(call);
      this.calls.add(call);
      if (this.conn.t === 'none') this.connectNow();
    }
    return call;
  }

  connect(): Promise<void> {
    const st = this.lifecycle.state;
    if (st.t === 'ready') return Promise.resolve();
    if (st.t === 'closed') return Promise.reject(fail('TRANSPORT_CLOSED', 'the client is closed'));
    if (this.conn.t === 'none') this.connectNow();
    return new Promise((resolve, reject) => {
      const onState = (s: ConnectionState): void => {
        if (s.t === 'ready') {
          this.lifecycle.off('state', onState);
          resolve();
        } else if (s.t === 'closed' || s.t === 'transient-failure') {
          this.lifecycle.off('state', onState);
          reject(s.t === 'closed' ? (s.error ?? fail('TRANSPORT_CLOSED', 'the client is closed')) : s.error);
        }
      };
      this.lifecycle.on('state', onState);
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const conn = this.conn;
    this.conn = { t: 'none' };
    if (conn.t === 'waiting' || conn.t === 'connecting') clearTimeout(conn.timer);
    const reason = fail('TRANSPORT_CLOSED', 'the client was closed');
    for (const call of [...this.calls]) call.fail(statusFromError(reason));
    this.pending.clear();
    this.setState({ t: 'closed' });
    const session = conn.t === 'connecting' || conn.t === 'ready' ? conn.session : undefined;
    this.closing = new Promise<void>((resolve) => {
      if (!session || session.destroyed) return resolve();
      this.lost.set(session, reason);
      session.once('close', () => resolve());
      session.destroy();
    });
    return this.closing;
  }

  lostReason(session: ClientHttp2Session): SwitchyardError | undefined {
    return this.lost.get(session);
  }

  onCallDone(call: GrpcClientCall): void {
    this.calls.delete(call);
    this.pending.delete(call);
  }

  private setState(next: ConnectionState): void {
    try {
      this.lifecycle.setState(next);
    } catch (err) {
      this.settings.logger.error({ err }, 'grpc client state machine error');
    }
  }

  private connectNow(): void {
    if (this.closing) return;
    const s = this.settings;
    this.setState({ t: 'connecting', attempt: this.attempt });
    const url = `${s.secure ? 'https' : 'http'}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
    const session = http2.connect(url, {
      settings: { enablePush: false, initialWindowSize: s.initialWindowBytes },
      ...(s.secure
        ? {
            ALPNProtocols: ['h2'],
            ...(s.tls?.ca ? { ca: s.tls.ca } : {}),
            ...(s.tls?.cert ? { cert: s.tls.cert } : {}),
            ...(s.tls?.key ? { key: s.tls.key } : {}),
            servername: s.tls?.serverName ?? s.host,
          }
        : {}),
    });
    const timer = setTimeout(() => {
      this.lost.set(session, fail('TRANSPORT_UNAVAILABLE', `connecting to ${s.authority} took longer than ${s.connectTimeoutMs} ms`));
      session.destroy();
    }, s.connectTimeoutMs);
    timer.unref();
    this.conn = { t: 'connecting', session, timer };
    let lastError: Error | undefined;
    session.on('error', (err) => {
      lastError = err;
      s.logger.debug({ err, address: s.authority }, 'grpc client connection error');
    });
    session.on('goaway', (code: number, _last: number, opaque?: Buffer) => this.onGoaway(session, code, opaque));
    session.once('connect', () => this.onConnected(session));
    session.once('close', () => this.onSessionClosed(session, lastError));
  }

  private onConnected(session: ClientHttp2Session): void {
    if (this.conn.t !== 'connecting' || this.conn.session !== session) return;
    clearTimeout(this.conn.timer);
    this.conn = { t: 'ready', session };
    this.attempt = 0;
    try {
      session.setLocalWindowSize(this.settings.connectionWindowBytes);
    } catch {
      // The session is already closing; its close handler takes over.
    }
    const hb = { ...this.settings.heartbeat, intervalMs: this.keepaliveIntervalMs };
    startKeepalive(session, hb, (waitedMs) => {
      this.settings.logger.warn({ address: this.settings.authority, waitedMs }, 'grpc server missed a keepalive ping; dropping the connection');
      this.lost.set(session, fail('TRANSPORT_HEARTBEAT_TIMEOUT', `the server at ${this.settings.authority} did not answer a keepalive ping within ${hb.timeoutMs} ms`));
      session.destroy();
    });
    this.setState({ t: 'ready', since: Date.now() });
    const waiting = [...this.pending];
    this.pending.clear();
    for (const call of waiting) call.start(session);
  }

  private onGoaway(session: ClientHttp2Session, code: number, opaque: Buffer | undefined): void {
    if (code === constants.NGHTTP2_ENHANCE_YOUR_CALM && opaque?.toString() === 'too_many_pings' && this.keepaliveIntervalMs > 0) {
      this.keepaliveIntervalMs *= 2;
      this.settings.logger.warn({ address: this.settings.authority, intervalMs: this.keepaliveIntervalMs }, 'grpc server says too many pings; doubling the keepalive interval');
    }
    if (this.conn.t !== 'ready' || this.conn.session !== session) return;
    if (code !== constants.NGHTTP2_NO_ERROR) return; // node destroys the session; onSessionClosed handles it
    this.settings.logger.debug({ address: this.settings.authority }, 'grpc server sent GOAWAY; draining the connection');
    this.conn = { t: 'none' };
    this.setState({ t: 'draining', reason: 'the server sent GOAWAY' });
    this.setState({ t: 'idle' });
  }

  private onSessionClosed(session: ClientHttp2Session, lastError: Error | undefined): void {
    const conn = this.conn;
    if ((conn.t !== 'connecting' && conn.t !== 'ready') || conn.session !== session) return;
    if (conn.t === 'connecting') clearTimeout(conn.timer);
    const why = this.lost.get(session) ?? fail('TRANSPORT_UNAVAILABLE', describeLoss(this.settings.authority, conn.t === 'ready', lastError));
    this.lost.set(session, why);
    const failure = statusFromError(why);
    const waiting = [...this.pending];
    this.pending.clear();
    for (const call of waiting) call.fail(failure);
    const retryInMs = backoffDelayMs(this.attempt, this.settings.backoff);
    const attempt = this.attempt;
    this.attempt++;
    const timer = setTimeout(() => {
      if (this.conn.t === 'waiting' && this.conn.timer === timer) {
        this.conn = { t: 'none' };
        this.connectNow();
      }
    }, retryInMs);
    timer.unref();
    this.conn = { t: 'waiting', timer };
    this.settings.logger.debug({ address: this.settings.authority, retryInMs, attempt }, 'grpc client connection failed; retrying');
    this.setState({ t: 'transient-failure', error: why, retryInMs, attempt });
  }
}

function describeLoss(authority: string, wasReady: boolean, err: Error | undefined): string {
  const detail = err ? `: ${(err as NodeJS.ErrnoException).code ?? err.message}` : '';
  return wasReady ? `the connection to ${authority} was lost${detail}` : `cannot connect to ${authority}${detail}`;
}

