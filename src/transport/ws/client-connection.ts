/**
 * The client's end of one WebSocket connection: opens the socket with the binary
 * subprotocol, exchanges SETTINGS (ready once the server's arrive), opens streams within
 * the server's concurrency limit, heartbeats with PING frames, and drains on GOAWAY.
 */
import { type Code, type SwitchyardError, fail } from '../../errors.js';
import type { Metadata } from '../metadata.js';
import { statusFromError, type Status } from '../status.js';
import { BinaryFrameWriter, isMetadataTooLarge } from './binary-writer.js';
import { writeU32 } from './bytes.js';
import type { WsClientCall, ClientCallHost } from './client-call.js';
import { CloseCode, FrameType, PING_BYTES, WS_MESSAGE_SLACK_BYTES, protocolError, type Settings } from './frames.js';
import { WsConnection, type ConnectionConfig, unref } from './connection.js';
import { SUBPROTOCOL_BINARY } from './protocol.js';
import { isNodeWs, nodeWsPort, whatwgPort, type WhatwgWebSocketLike } from './socket.js';
import type { WebSocketConstructor } from './options.js';

/** What a connection reports to its client. */
export interface ClientConnectionOwner {
  connectionReady(conn: ClientConnection): void;
  connectionClosed(conn: ClientConnection, error: SwitchyardError): void;
  goawayReceived(conn: ClientConnection, message: string): void;
  streamSlotFree(conn: ClientConnection): void;
}

/** How to open the socket. */
export interface SocketFactory {
  url: string;
  WebSocket: WebSocketConstructor;
  /** Options for the `ws` package's constructor. */
  nodeOptions: Record<string, unknown>;
  connectTimeoutMs: number;
}

/** One client WebSocket. */
export class ClientConnection extends WsConnection<WsClientCall> implements ClientCallHost {
  readonly sink: BinaryFrameWriter;
  phase: 'connecting' | 'ready' | 'draining' = 'connecting';
  /** Resolves once the socket is closed. */
  readonly socketClosed: Promise<void>;
  private nextId = 1;
  private pings = 0;
  private socketError: string | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private resolveSocketClosed!: () => void;
  private protocolOf: () => string = () => '';

  constructor(
    factory: SocketFactory,
    config: ConnectionConfig,
    private readonly owner: ClientConnectionOwner,
  ) {
    super(config);
    this.socketClosed = new Promise((resolve) => (this.resolveSocketClosed = resolve));
    this.sink = new BinaryFrameWriter(this.sendToSocket);
    const Ctor = factory.WebSocket as unknown as new (url: string, protocols: string[], options?: unknown) => unknown;
    const nodeCtor = typeof (Ctor.prototype as { terminate?: unknown } | undefined)?.terminate === 'function';
    const events = {
      onOpen: () => this.socketOpened(),
      onData: (d: Uint8Array | string) => this.handleData(d),
      onClose: (code: number, reason: string) => this.handleClose(code, reason),
      onError: (err: Error) => {
        this.socketError = err.message;
        config.logger.debug({ peer: config.peer, err: err.message }, 'WebSocket error');
      },
    };
    let socket: unknown;
    try {
      socket = nodeCtor ? new Ctor(factory.url, [SUBPROTOCOL_BINARY], { perMessageDeflate: false, maxPayload: config.local.maxMessageBytes + WS_MESSAGE_SLACK_BYTES, ...factory.nodeOptions }) : new Ctor(factory.url, [SUBPROTOCOL_BINARY]);
    } catch (err) {
      this.port = { bufferedAmount: 0, send() {}, close() {}, terminate() {} };
      queueMicrotask(() => this.terminate(fail('TRANSPORT_UNAVAILABLE', `cannot open a WebSocket to ${factory.url}: ${(err as Error).message}`)));
      return;
    }
    this.port = isNodeWs(socket) ? nodeWsPort(socket, events) : whatwgPort(socket as WhatwgWebSocketLike, events);
    this.protocolOf = () => (socket as { protocol: string }).protocol;
    this.connectTimer = unref(setTimeout(() => this.terminate(fail('TRANSPORT_UNAVAILABLE', `connecting to ${factory.url} timed out after ${factory.connectTimeoutMs} ms`)), factory.connectTimeoutMs));
  }

  /** True when another stream may be opened now. */
  get canOpen(): boolean {
    return this.phase === 'ready' && this.isOpen && this.streams.size < (this.peerSettings?.maxConcurrentStreams ?? 0);
  }

  /** Opens `call` as the next stream. */
  open(call: WsClientCall): void {
    const id = this.nextId++;
    const timeoutMs = call.timeoutMs();
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      call.fail(statusFromError(fail('TRANSPORT_DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent')), false);
      return;
    }
    try {
      this.sink.open(id, call.method, call.metadata, timeoutMs);
    } catch (err) {
      if (!isMetadataTooLarge(err)) throw err;
      call.fail(statusFromError(err), false);
      return;
    }
    this.streams.set(id, call);
    call.opened(this, id);
  }

  callEnded(call: WsClientCall): void {
    if (this.streams.get(call.id) !== call) return;
    this.streams.delete(call.id);
    if (this.phase === 'draining' && this.streams.size === 0) {
      this.close(CloseCode.NORMAL, 'drained after GOAWAY', fail('TRANSPORT_CLOSED', 'connection drained after GOAWAY'));
      return;
    }
    this.owner.streamSlotFree(this);
  }

  private socketOpened(): void {
    if (!this.isOpen) return;
    const protocol = this.protocolOf();
    if (protocol !== SUBPROTOCOL_BINARY) {
      this.close(CloseCode.PROTOCOL_ERROR, 'subprotocol not negotiated', fail('TRANSPORT_UNSUPPORTED_PROTOCOL', `server at ${this.config.peer} did not accept subprotocol ${SUBPROTOCOL_BINARY} (got "${protocol}")`));
      return;
    }
    this.sink.settings(this.config.local);
  }

  protected override socketGone(): void {
    this.resolveSocketClosed();
  }

  protected settingsReceived(s: Settings): void {
    if (s.maxConcurrentStreams < 1) protocolError(FrameType.SETTINGS, 0, 'a server must accept at least one stream (maxConcurrentStreams 0)');
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.phase = 'ready';
    this.startHeartbeat();
    this.owner.connectionReady(this);
  }

  protected wasOpened(streamId: number): boolean {
    return streamId < this.nextId;
  }

  protected sendHeartbeat(): void {
    const data = new Uint8Array(PING_BYTES);
    writeU32(data, 4, ++this.pings);
    this.sink.ping(data);
  }

  protected closed(error: SwitchyardError): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    let e = error;
    if (this.phase === 'connecting') {
      const why = this.socketError && !error.rawMessage.includes(this.socketError) ? `${error.rawMessage}: ${this.socketError}` : error.rawMessage;
      e = fail(error.id === 'TRANSPORT_UNSUPPORTED_PROTOCOL' ? 'TRANSPORT_UNSUPPORTED_PROTOCOL' : 'TRANSPORT_UNAVAILABLE', `cannot connect: ${why}`);
    }
    this.owner.connectionClosed(this, e);
  }

  onOpen(sid: number): void {
    protocolError(FrameType.OPEN, sid, 'only clients send OPEN');
  }

  onHalfClose(sid: number): void {
    protocolError(FrameType.HALF_CLOSE, sid, 'only clients send HALF_CLOSE');
  }

  onCancel(sid: number): void {
    protocolError(FrameType.CANCEL, sid, 'servers end streams with STATUS, not CANCEL');
  }

  onHeaders(sid: number, headers: Metadata): void {
    this.streamFor(FrameType.HEADERS, sid)?.headersReceived(headers);
  }

  onStatus(sid: number, s: Status): void {
    this.streamFor(FrameType.STATUS, sid)?.statusReceived(s);
  }

  onGoaway(lastStreamId: number, _code: Code, message: string): void {
    if (this.phase === 'draining') return;
    this.phase = 'draining';
    const why = fail('TRANSPORT_UNAVAILABLE', `the server refused the call (GOAWAY: ${message || 'draining'}); it was not processed and may be retried`);
    for (const [id, call] of [...this.streams]) if (id > lastStreamId) call.connectionLost(why);
    this.owner.goawayReceived(this, message);
    if (this.streams.size === 0) this.close(CloseCode.NORMAL, 'drained after GOAWAY', fail('TRANSPORT_CLOSED', 'connection drained after GOAWAY'));
  }
}
