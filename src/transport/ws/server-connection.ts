/**
 * The server's end of one WebSocket connection: accepts OPENs (method lookup, stream
 * limit, drain), runs handlers, answers with STATUS, and drains on GOAWAY. The heartbeat
 * uses WebSocket ping control frames, which every client (browsers, plain tools) answers.
 */
import type { WebSocket } from 'ws';
import { Code, SwitchyardError, fail } from '../../errors.js';
import type { ProtoSchema } from '../../schema/load.js';
import { jsonToBytes } from '../../schema/codec.js';
import type { Metadata } from '../metadata.js';
import { statusFromError, type Status } from '../status.js';
import type { CallHandler, MethodInfo } from '../transport.js';
import { BinaryFrameWriter } from './binary-writer.js';
import { WsConnection, type ConnectionConfig } from './connection.js';
import { CloseCode, FrameType, protocolError, type FrameSink, type Settings } from './frames.js';
import { JsonFrameWriter, decodeJsonFrame, type JsonFrameHandler } from './json-codec.js';
import { WsServerCall, type ServerCallHost } from './server-call.js';
import { nodeWsPort } from './socket.js';

/** What a connection needs from its server. */
export interface ServerConnectionOwner {
  readonly methods: ReadonlyMap<string, MethodInfo>;
  readonly handler: CallHandler;
  readonly maxConcurrentStreams: number;
  /** Needed for the JSON subprotocol. */
  readonly schema: ProtoSchema | undefined;
  /** Credit a JSON client gets when it sends no SETTINGS. */
  readonly defaultJsonWindow: number;
  callStarted(): void;
  callEnded(): void;
  connectionClosed(conn: ServerConnection, error: SwitchyardError): void;
}

/** One accepted WebSocket. */
export class ServerConnection extends WsConnection<WsServerCall> implements ServerCallHost, JsonFrameHandler {
  readonly sink: FrameSink;
  private lastStreamId = 0;
  private draining = false;

  constructor(
    private readonly ws: WebSocket,
    readonly subprotocol: 'binary' | 'json',
    config: ConnectionConfig,
    private readonly owner: ServerConnectionOwner,
  ) {
    super(config);
    this.port = nodeWsPort(ws as never, {
      onData: (d) => this.handleData(d),
      onClose: (code, reason) => this.handleClose(code, reason),
      onError: (err) => config.logger.debug({ peer: config.peer, err: err.message }, 'WebSocket error'),
    });
    ws.on('pong', () => this.markAlive());
    this.sink =
      subprotocol === 'json'
        ? new JsonFrameWriter(this.sendToSocket, (sid) => this.responseType(sid), (sid, err) => this.streams.get(sid)?.fail(SwitchyardError.from(err, Code.INTERNAL)))
        : new BinaryFrameWriter(this.sendToSocket);
    this.sink.settings(config.local);
    this.startHeartbeat();
  }

  /** Calls in flight on this connection. */
  get activeCalls(): number {
    return this.streams.size;
  }

  /** Starts a graceful drain: GOAWAY naming the last accepted stream; closes once idle. */
  goaway(message: string): void {
    if (this.draining || !this.isOpen) return;
    this.draining = true;
    this.sink.goaway(this.lastStreamId, Code.OK, message);
    this.sink.flush();
    if (this.streams.size === 0) this.close(CloseCode.GOING_AWAY, message, fail('TRANSPORT_CLOSED', message));
  }

  /** Ends every call with `error` (status sent, handlers aborted) and closes. */
  abortAll(error: SwitchyardError, closeMessage: string): void {
    for (const call of [...this.streams.values()]) call.fail(error);
    this.close(CloseCode.GOING_AWAY, closeMessage, error);
  }

  protected override handleText(text: string): void {
    if (this.subprotocol !== 'json') return super.handleText(text);
    decodeJsonFrame(text, this);
  }

  /** JSON clients may skip SETTINGS: the first other frame implies the defaults. */
  beforeFrame(type: string): void {
    if (this.peerSettings === undefined && type !== 'settings') {
      this.onSettings({ maxMessageBytes: this.config.local.maxMessageBytes, initialWindow: this.owner.defaultJsonWindow, maxConcurrentStreams: 0 });
    }
  }

  protected settingsReceived(_s: Settings): void {}

  protected wasOpened(streamId: number): boolean {
    return streamId <= this.lastStreamId;
  }

  protected sendHeartbeat(): void {
    this.ws.ping();
  }

  protected closed(error: SwitchyardError): void {
    this.owner.connectionClosed(this, error);
  }

  onOpen(sid: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void {
    if (sid <= this.lastStreamId) protocolError(FrameType.OPEN, sid, `stream id is not above the last opened stream ${this.lastStreamId}`);
    this.lastStreamId = sid;
    if (this.draining) return this.refuse(sid, fail('TRANSPORT_UNAVAILABLE', 'the server is shutting down (GOAWAY sent); retry on a new connection'));
    if (this.streams.size >= this.owner.maxConcurrentStreams) {
      return this.refuse(sid, fail('TRANSPORT_TOO_MANY_STREAMS', `more than ${this.owner.maxConcurrentStreams} concurrent streams on one connection`));
    }
    const info = this.owner.methods.get(method);
    if (!info || (this.subprotocol === 'json' && !this.owner.schema?.methods.has(method))) {
      return this.refuse(sid, fail('TRANSPORT_UNKNOWN_METHOD', `method ${method} is not served here`));
    }
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const call = new WsServerCall(this, sid, method, info.kind, metadata, deadline, this.config.peer);
    this.streams.set(sid, call);
    this.owner.callStarted();
    try {
      this.owner.handler(call);
    } catch (err) {
      this.handlerFailed(call, err);
      call.fail(SwitchyardError.from(err, Code.UNKNOWN));
    }
  }

  onJsonMessage(sid: number, value: unknown): void {
    const call = this.streamFor(FrameType.MESSAGE, sid);
    if (!call || call.isDone) return;
    const type = this.owner.schema!.methods.get(call.method)!.requestType;
    let bytes: Uint8Array;
    try {
      bytes = jsonToBytes(type, value);
    } catch (err) {
      const e = SwitchyardError.from(err, Code.INVALID_ARGUMENT);
      call.fail(new SwitchyardError(`request message: ${e.rawMessage}`, { code: Code.INVALID_ARGUMENT, id: e.id, details: e.details }));
      return;
    }
    call.receive(bytes, 1);
  }

  onHalfClose(sid: number): void {
    this.streamFor(FrameType.HALF_CLOSE, sid)?.halfCloseReceived();
  }

  onCancel(sid: number, code: Code, message: string): void {
    this.streamFor(FrameType.CANCEL, sid)?.cancelReceived(code, message);
  }

  onHeaders(sid: number, _headers: Metadata): void {
    protocolError(FrameType.HEADERS, sid, 'only servers send HEADERS');
  }

  onStatus(sid: number, _status: Status): void {
    protocolError(FrameType.STATUS, sid, 'only servers send STATUS');
  }

  onGoaway(_last: number, _code: Code, _message: string): void {
    protocolError(FrameType.GOAWAY, 0, 'only servers send GOAWAY');
  }

  streamEnded(call: WsServerCall): void {
    if (this.streams.get(call.id) !== call) return;
    this.streams.delete(call.id);
    this.owner.callEnded();
    if (this.draining && this.streams.size === 0) {
      this.close(CloseCode.GOING_AWAY, 'server shutting down', fail('TRANSPORT_CLOSED', 'server shutting down'));
    }
  }

  handlerFailed(call: WsServerCall, err: unknown): void {
    this.config.logger.warn({ peer: this.config.peer, method: call.method, stream: call.id, err: (err as Error)?.message ?? String(err) }, `handler for ${call.method} threw`);
  }

  private refuse(sid: number, error: SwitchyardError): void {
    this.config.logger.debug({ peer: this.config.peer, stream: sid, reason: error.rawMessage }, 'stream refused');
    this.sink.status(sid, statusFromError(error));
  }

  private responseType(sid: number) {
    const call = this.streams.get(sid);
    return call ? this.owner.schema?.methods.get(call.method)?.responseType : undefined;
  }
}
