/**
 * The WebSocket client transport. One socket at a time carries every call (plus sockets
 * still draining after a GOAWAY). Calls started before the socket is ready, or beyond the
 * server's stream limit, wait in a queue; calls started while the connection is in
 * transient failure end UNAVAILABLE at once (fail fast, as gRPC does).
 *
 * After a connection is lost, or an attempt fails, the client reconnects with exponential
 * backoff and full jitter (`backoffDelayMs`) until it is closed.
 */
import NodeWebSocket from 'ws';
import { type SwitchyardError, fail } from '../../errors.js';
import { Lifecycle, backoffDelayMs, type ConnectionEvents, type ConnectionState } from '../lifecycle.js';
import { Metadata } from '../metadata.js';
import { statusFromError } from '../status.js';
import type { CallOptions, ClientCall, ClientTransport, MethodInfo } from '../transport.js';
import { WsClientCall, type ClientCallOwner } from './client-call.js';
import { ClientConnection, type ClientConnectionOwner, type SocketFactory } from './client-connection.js';
import { CloseCode } from './frames.js';
import { unref } from './connection.js';
import { parseClientOptions, type ParsedClientOptions, type WebSocketConstructor, type WsClientOptions } from './options.js';

/** Creates a WebSocket client transport (connects on the first call or on `connect()`). */
export function createWsClient(options: WsClientOptions): ClientTransport {
  return new WsClient(options);
}

function defaultWebSocket(): WebSocketConstructor {
  const g = globalThis as { document?: unknown; WebSocket?: WebSocketConstructor };
  if (g.document !== undefined && g.WebSocket) return g.WebSocket;
  return NodeWebSocket as unknown as WebSocketConstructor;
}

class WsClient implements ClientTransport, ClientConnectionOwner, ClientCallOwner {
  readonly name = 'ws' as const;
  readonly maxMessageBytes: number;
  private readonly lifecycle = new Lifecycle();
  private readonly o: Readonly<ParsedClientOptions>;
  private readonly factory: SocketFactory;
  private current: ClientConnection | undefined;
  private readonly draining = new Set<ClientConnection>();
  private pending: WsClientCall[] = [];
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WsClientOptions) {
    this.o = parseClientOptions(options);
    this.maxMessageBytes = this.o.maxMessageBytes;
    const tls = options.tls;
    this.factory = {
      url: this.o.url,
      WebSocket: options.WebSocket ?? defaultWebSocket(),
      nodeOptions: { ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName } : {}), ...options.wsOptions },
      connectTimeoutMs: this.o.connectTimeoutMs,
    };
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  get events(): ConnectionEvents {
    return this.lifecycle;
  }

  start(method: MethodInfo, options: CallOptions = {}): ClientCall {
    const call = new WsClientCall(this, method.path, options.metadata ?? new Metadata(), options.deadline, options.signal);
    if (call.phase === 'done') return call;
    const s = this.lifecycle.state;
    if (s.t === 'closed') {
      call.fail(statusFromError(fail('TRANSPORT_CLOSED', 'the client is closed')), false);
    } else if (s.t === 'transient-failure') {
      call.fail(statusFromError(fail('TRANSPORT_UNAVAILABLE', `${s.error.rawMessage} (reconnecting, attempt ${s.attempt + 1})`)), false);
    } else if (s.t === 'ready' && this.current?.canOpen && this.pending.length === 0) {
      this.current.open(call);
    } else {
      this.pending.push(call);
      if (s.t === 'idle' || s.t === 'draining') this.connectNow();
      else if (s.t === 'ready') this.pumpPending();
    }
    return call;
  }

  connect(): Promise<void> {
    const s = this.lifecycle.state;
    if (s.t === 'ready') return Promise.resolve();
    if (s.t === 'closed') return Promise.reject(fail('TRANSPORT_CLOSED', 'the client is closed'));
    if (s.t !== 'connecting') this.connectNow();
    return new Promise((resolve, reject) => {
      const onState = (st: ConnectionState): void => {
        if (st.t === 'connecting') return;
        this.lifecycle.off('state', onState);
        if (st.t === 'ready') resolve();
        else if (st.t === 'transient-failure') reject(st.error);
        else reject(fail('TRANSPORT_CLOSED', `connection ${st.t} before it was ready`));
      };
      this.lifecycle.on('state', onState);
    });
  }

  async close(): Promise<void> {
    if (this.lifecycle.state.t === 'closed') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.lifecycle.setState({ t: 'closed' });
    const error = fail('TRANSPORT_CLOSED', 'the client was closed');
    this.failPending(error);
    const conns = [...this.draining, ...(this.current ? [this.current] : [])];
    this.current = undefined;
    this.draining.clear();
    for (const c of conns) c.close(CloseCode.NORMAL, 'client closed', error);
    await Promise.all(conns.map((c) => c.socketClosed));
  }

  callEnded(call: WsClientCall): void {
    if (call.conn) {
      (call.conn as ClientConnection).callEnded(call);
      return;
    }
    const i = this.pending.indexOf(call);
    if (i >= 0) this.pending.splice(i, 1);
  }

  connectionReady(conn: ClientConnection): void {
    if (conn !== this.current || this.lifecycle.state.t === 'closed') return;
    this.attempt = 0;
    this.lifecycle.setState({ t: 'ready', since: Date.now() });
    this.o.logger.debug({ url: this.o.url }, 'WebSocket connection ready');
    this.pumpPending();
  }

  streamSlotFree(conn: ClientConnection): void {
    if (conn === this.current) this.pumpPending();
  }

  goawayReceived(conn: ClientConnection, message: string): void {
    if (conn !== this.current) return;
    this.current = undefined;
    this.draining.add(conn);
    this.lifecycle.setState({ t: 'draining', reason: message || 'server sent GOAWAY' });
    this.o.logger.info({ url: this.o.url, reason: message }, 'server sent GOAWAY; draining the connection');
    if (this.pending.length > 0) this.connectNow();
  }

  connectionClosed(conn: ClientConnection, error: SwitchyardError): void {
    if (this.draining.delete(conn)) {
      if (!this.current && this.lifecycle.state.t === 'draining') this.lifecycle.setState({ t: 'idle' });
      return;
    }
    if (conn !== this.current || this.lifecycle.state.t === 'closed') return;
    this.current = undefined;
    this.failPending(error);
    const retryInMs = backoffDelayMs(this.attempt, this.o.backoff);
    this.attempt++;
    this.o.logger.warn({ url: this.o.url, reason: error.rawMessage, retryInMs }, 'WebSocket connection failed; reconnecting');
    this.lifecycle.setState({ t: 'transient-failure', error, retryInMs, attempt: this.attempt });
    this.retryTimer = unref(setTimeout(() => {
      this.retryTimer = undefined;
      if (this.lifecycle.state.t === 'transient-failure') this.connectNow();
    }, retryInMs));
  }

  private connectNow(): void {
    if (this.current) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.lifecycle.setState({ t: 'connecting', attempt: this.attempt });
    const o = this.o;
    this.current = new ClientConnection(this.factory, {
      local: { maxMessageBytes: o.maxMessageBytes, initialWindow: o.initialWindowBytes, maxConcurrentStreams: 0 },
      creditUnit: 'bytes',
      heartbeat: o.heartbeat,
      socketHighWaterBytes: o.socketHighWaterBytes,
      closeTimeoutMs: o.closeTimeoutMs,
      logger: o.logger,
      peer: o.url,
    }, this);
  }

  private pumpPending(): void {
    const conn = this.current;
    if (!conn) return;
    while (this.pending.length > 0 && conn.canOpen) conn.open(this.pending.shift()!);
  }

  private failPending(error: SwitchyardError): void {
    const calls = this.pending;
    this.pending = [];
    const s = statusFromError(error);
    for (const c of calls) c.fail(s, false);
  }
}
