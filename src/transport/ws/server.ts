/**
 * The WebSocket server transport: `ws` in `noServer` mode on an HTTP(S) server of its own
 * (or one the caller passes). Upgrades are checked here before `ws` sees them: path,
 * Origin allowlist, connection limit, shutdown; the subprotocol (version) is negotiated
 * and an unsupported one is accepted only to be closed with code 1002 and a reason, so
 * browsers can show why.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { type SwitchyardError, fail } from '../../errors.js';
import type { ProtoSchema } from '../../schema/load.js';
import type { CallHandler, ServerTransport } from '../transport.js';
import { CloseCode, WS_MESSAGE_SLACK_BYTES, closeReason } from './frames.js';
import { parseServerOptions, type ParsedServerOptions, type WsServerOptions } from './options.js';
import { negotiate } from './protocol.js';
import { ServerConnection, type ServerConnectionOwner } from './server-connection.js';

type ServerState = { t: 'new' } | { t: 'listening' } | { t: 'draining'; done: Promise<void> } | { t: 'closed' };

/** Starts a WebSocket server transport (call `listen()`). */
export function createWsServer(options: WsServerOptions): ServerTransport {
  return new WsServer(options);
}

class WsServer implements ServerTransport, ServerConnectionOwner {
  readonly name = 'ws' as const;
  readonly methods: ParsedServerOptions['methods'];
  readonly handler: CallHandler;
  readonly maxConcurrentStreams: number;
  readonly schema: ProtoSchema | undefined;
  readonly defaultJsonWindow: number;
  private readonly o: Readonly<ParsedServerOptions>;
  private readonly http: http.Server | https.Server;
  private readonly ownsHttp: boolean;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<ServerConnection>();
  private readonly sockets = new Set<WebSocket>();
  private handshakes = 0;
  private calls = 0;
  private state: ServerState = { t: 'new' };

  constructor(options: WsServerOptions) {
    this.o = parseServerOptions(options);
    this.methods = this.o.methods;
    this.handler = options.handler;
    this.maxConcurrentStreams = this.o.maxConcurrentStreams;
    this.schema = options.schema;
    this.defaultJsonWindow = this.o.initialWindowMessages;
    this.ownsHttp = !options.httpServer;
    this.http = options.httpServer ?? (options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: Boolean(options.tls.ca) }) : http.createServer());
    if (this.ownsHttp) {
      this.http.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('switchyard: this endpoint speaks WebSocket (subprotocol switchyard.v1)\n');
      });
    }
    const jsonEnabled = Boolean(this.schema);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: this.o.maxMessageBytes + WS_MESSAGE_SLACK_BYTES,
      closeTimeout: this.o.closeTimeoutMs,
      handleProtocols: (offered: Set<string>) => {
        const n = negotiate([...offered], jsonEnabled);
        // Refused: echo an offered protocol so the handshake completes and the close reason reaches the client.
        return n.t === 'ok' ? n.protocol : (offered.values().next().value ?? false);
      },
    } as ConstructorParameters<typeof WebSocketServer>[0]);
    this.http.on('upgrade', this.onUpgrade);
  }

  get activeCalls(): number {
    return this.calls;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.state.t !== 'new') throw fail('TRANSPORT_LISTEN_FAILED', `ws server: listen() called while ${this.state.t}`);
    if (this.ownsHttp) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(fail('TRANSPORT_LISTEN_FAILED', `WebSocket server cannot listen on ${this.o.host}:${this.o.port}: ${err.message}`, { cause: err }));
        this.http.once('error', onError);
        this.http.listen(this.o.port, this.o.host, () => {
          this.http.off('error', onError);
          this.http.on('error', (err) => this.o.logger.error({ err: err.message }, 'WebSocket server error'));
          resolve();
        });
      });
    } else if (!this.http.listening) {
      await new Promise<void>((resolve) => this.http.once('listening', resolve));
    }
    this.state = { t: 'listening' };
    const addr = this.http.address() as AddressInfo;
    this.o.logger.info({ host: addr.address, port: addr.port }, 'WebSocket server listening');
    return { host: addr.address, port: addr.port };
  }

  shutdown(graceMs: number = this.o.defaultGraceMs): Promise<void> {
    if (this.state.t === 'draining') return this.state.done;
    if (this.state.t === 'closed') return Promise.resolve();
    const done = this.drain(graceMs);
    this.state = { t: 'draining', done };
    return done;
  }

  private async drain(graceMs: number): Promise<void> {
    const closedHttp = this.ownsHttp && this.http.listening ? new Promise<void>((resolve) => this.http.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.goaway('server shutting down');
    await this.until(() => this.connections.size === 0, graceMs);
    const error = fail('TRANSPORT_UNAVAILABLE', `server shut down before the call finished (grace period ${graceMs} ms)`);
    for (const c of [...this.connections]) c.abortAll(error, 'server shut down');
    await this.until(() => this.sockets.size === 0, this.o.closeTimeoutMs);
    for (const ws of this.sockets) ws.terminate();
    if (this.ownsHttp) (this.http as http.Server).closeAllConnections?.();
    await closedHttp;
    this.state = { t: 'closed' };
    this.o.logger.info('WebSocket server shut down');
  }

  private until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = (): void => (done() || Date.now() >= deadline ? resolve() : void setTimeout(check, 10));
      check();
    });
  }

  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const refusal = this.checkUpgrade(req);
    if (refusal) {
      reject(socket, refusal.status, refusal.reason);
      return;
    }
    this.handshakes++;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.handshakes--;
      this.accept(ws, req);
    });
  };

  private checkUpgrade(req: http.IncomingMessage): { status: number; reason: string } | undefined {
    const log = this.o.logger;
    const peer = peerOf(req.socket as Socket);
    if (this.state.t !== 'listening') return { status: 503, reason: 'server is shutting down' };
    if (this.o.path !== undefined && (req.url ?? '/').split('?')[0] !== this.o.path) return { status: 404, reason: `no WebSocket endpoint at ${req.url}` };
    const origin = req.headers.origin;
    if (this.o.allowedOrigins && origin !== undefined && !this.o.allowedOrigins.has(origin)) {
      log.warn({ peer, origin, error: 'TRANSPORT_ORIGIN_REJECTED' }, `WebSocket upgrade refused: Origin ${origin} is not allowed`);
      return { status: 403, reason: `Origin ${origin} is not allowed` };
    }
    if (this.connections.size + this.handshakes >= this.o.maxConnections) {
      log.warn({ peer, limit: this.o.maxConnections, error: 'TRANSPORT_TOO_MANY_CONNECTIONS' }, `WebSocket upgrade refused: ${this.o.maxConnections} connections already open`);
      return { status: 503, reason: `too many connections (limit ${this.o.maxConnections})` };
    }
    return undefined;
  }

  private accept(ws: WebSocket, req: http.IncomingMessage): void {
    const peer = peerOf(req.socket as Socket);
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const n = negotiate(offered, Boolean(this.schema));
    if (n.t === 'refused' || this.state.t !== 'listening') {
      const reason = n.t === 'refused' ? n.reason : 'server is shutting down';
      this.o.logger.info({ peer, offered, error: 'TRANSPORT_UNSUPPORTED_PROTOCOL' }, `WebSocket connection refused: ${reason}`);
      ws.close(n.t === 'refused' ? CloseCode.PROTOCOL_ERROR : CloseCode.GOING_AWAY, closeReason(reason));
      return;
    }
    const o = this.o;
    const json = n.mode === 'json';
    const conn = new ServerConnection(ws, n.mode, {
      local: { maxMessageBytes: o.maxMessageBytes, initialWindow: json ? o.initialWindowMessages : o.initialWindowBytes, maxConcurrentStreams: o.maxConcurrentStreams },
      creditUnit: json ? 'messages' : 'bytes',
      heartbeat: o.heartbeat,
      socketHighWaterBytes: o.socketHighWaterBytes,
      closeTimeoutMs: o.closeTimeoutMs,
      logger: o.logger,
      peer,
    }, this);
    this.connections.add(conn);
    o.logger.debug({ peer, protocol: n.protocol }, 'WebSocket connection accepted');
  }

  callStarted(): void {
    this.calls++;
  }

  callEnded(): void {
    this.calls--;
  }

  connectionClosed(conn: ServerConnection, error: SwitchyardError): void {
    this.connections.delete(conn);
    this.o.logger.debug({ peer: conn.config.peer, reason: error.rawMessage }, 'WebSocket connection closed');
  }
}

function peerOf(socket: Socket): string {
  const host = socket.remoteAddress ?? 'unknown';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
}

function reject(socket: Duplex, status: number, reason: string): void {
  const body = `switchyard: ${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
