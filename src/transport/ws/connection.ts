/**
 * One WebSocket connection, either end: decodes incoming messages into frames, tracks the
 * peer's SETTINGS, answers PINGs, runs the heartbeat, watches the socket's send buffer, and
 * closes the connection (code 1002, logged at warn) on any protocol error.
 * {@link ServerConnection} and {@link ClientConnection} add the frames each end accepts.
 */
import { Code, SwitchyardError, fail } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Metadata } from '../metadata.js';
import type { Status } from '../status.js';
import { decodeFrames } from './binary-reader.js';
import { readU32 } from './bytes.js';
import { CloseCode, FrameType, HEADER_BYTES, MAX_WINDOW, ProtocolError, closeReason, protocolError, type FrameHandler, type FrameSink, type Settings } from './frames.js';
import type { SocketPort } from './socket.js';
import type { StreamHost } from './stream.js';

/** Settings every connection needs; filled in by the server or client options. */
export interface ConnectionConfig {
  /** What this end announces. */
  local: Settings;
  /** `bytes` (binary subprotocol) or `messages` (JSON subprotocol). */
  creditUnit: 'bytes' | 'messages';
  /** Heartbeat interval and timeout, ms (interval 0: off). */
  heartbeat: { intervalMs: number; timeoutMs: number };
  /** Socket send buffer above which writers are told to wait, bytes. */
  socketHighWaterBytes: number;
  /** How long a closing handshake may take before the socket is dropped, ms. */
  closeTimeoutMs: number;
  logger: Logger;
  /** Remote address for logs and `ServerCall.peer`. */
  peer: string;
}

/** A stream as the connection sees it. */
export interface ConnectionStream {
  readonly wantDrain: boolean;
  /** Sends queued messages while credit lasts. */
  pump(): void;
  /** The peer granted credit. */
  windowUpdate(increment: number): void;
  /** A MESSAGE arrived. */
  receive(message: Uint8Array, cost: number): void;
  /** A run of MESSAGE frames arrived: true when it was relayed (see `WsStream.tryRelay`). */
  tryRelay(data: Uint8Array, from: number, to: number, count: number, maxBytes: number, lastStart: number): boolean;
  /** The connection died; end the call with this error. */
  connectionLost(error: SwitchyardError): void;
}

type ConnState = { t: 'open' } | { t: 'closed'; error: SwitchyardError };

/** The shared part of both ends. */
export abstract class WsConnection<S extends ConnectionStream> implements FrameHandler, StreamHost {
  readonly streams = new Map<number, S>();
  peerSettings: Settings | undefined;
  congested = false;
  maxSendBytes: number;
  readonly maxRecvBytes: number;
  readonly grantThreshold: number;
  readonly initialRecvWindow: number;
  protected state: ConnState = { t: 'open' };
  protected port!: SocketPort;
  abstract readonly sink: FrameSink;
  private heard = false;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private congestionTimer: ReturnType<typeof setTimeout> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly config: ConnectionConfig) {
    this.maxRecvBytes = config.local.maxMessageBytes;
    this.maxSendBytes = config.local.maxMessageBytes;
    this.initialRecvWindow = config.local.initialWindow;
    this.grantThreshold = Math.max(1, Math.floor(config.local.initialWindow / 2));
  }

  get initialSendWindow(): number {
    return this.peerSettings?.initialWindow ?? 0;
  }

  get isOpen(): boolean {
    return this.state.t === 'open';
  }

  costOf(bytes: number): number {
    return this.config.creditUnit === 'bytes' ? HEADER_BYTES + bytes : 1;
  }

  /** Wraps the socket's send so every flush checks the send buffer. */
  protected readonly sendToSocket = (data: Uint8Array | string): void => {
    if (this.state.t !== 'open') return;
    this.port.send(data);
    if (!this.congested && this.port.bufferedAmount > this.config.socketHighWaterBytes) {
      this.congested = true;
      this.watchCongestion();
    }
  };

  private watchCongestion(): void {
    this.congestionTimer = setTimeout(() => {
      this.congestionTimer = undefined;
      if (this.state.t !== 'open') return;
      if (this.port.bufferedAmount > this.config.socketHighWaterBytes / 2) return this.watchCongestion();
      this.congested = false;
      for (const s of this.streams.values()) if (s.wantDrain) s.pump();
    }, 2);
  }

  /** Something arrived from the peer (for the heartbeat). */
  protected markAlive(): void {
    this.heard = true;
  }

  /** A WebSocket message arrived. */
  handleData(data: Uint8Array | string): void {
    if (this.state.t !== 'open') return;
    this.heard = true;
    try {
      if (typeof data === 'string') this.handleText(data);
      else {
        if (this.config.creditUnit === 'messages') protocolError('binary message', 0, 'the JSON subprotocol carries text WebSocket messages only');
        if (this.peerSettings === undefined && data[0] !== FrameType.SETTINGS) {
          protocolError(data.length ? data[0]! : 'message', 0, 'the first frame must be SETTINGS');
        }
        decodeFrames(data, this);
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.protocolFailure(err);
      else this.internalFailure(err);
    }
  }

  /** A text message arrived (JSON subprotocol); the binary subprotocol refuses it. */
  protected handleText(_text: string): void {
    protocolError('text message', 0, 'the binary subprotocol carries binary WebSocket messages only');
  }

  onSettings(s: Settings): void {
    if (this.peerSettings) protocolError(FrameType.SETTINGS, 0, 'sent more than once');
    if (s.maxMessageBytes < 1) protocolError(FrameType.SETTINGS, 0, 'maxMessageBytes must be at least 1');
    if (s.initialWindow < 1 || s.initialWindow > MAX_WINDOW) protocolError(FrameType.SETTINGS, 0, `initialWindow ${s.initialWindow} is outside 1..${MAX_WINDOW}`);
    this.peerSettings = s;
    this.maxSendBytes = Math.min(this.config.local.maxMessageBytes, s.maxMessageBytes);
    this.settingsReceived(s);
  }

  onPing(data: Uint8Array): void {
    this.sink.pong(data);
  }

  onPong(_data: Uint8Array): void {
    // Liveness is tracked on every message received.
  }

  onWindowUpdate(streamId: number, increment: number): void {
    this.streamFor(FrameType.WINDOW_UPDATE, streamId)?.windowUpdate(increment);
  }

  onMessage(streamId: number, message: Uint8Array, cost: number): void {
    this.streamFor(FrameType.MESSAGE, streamId)?.receive(message, cost);
  }

  onMessageRun(streamId: number, data: Uint8Array, from: number, to: number, count: number, maxBytes: number, lastStart: number): void {
    const s = this.streamFor(FrameType.MESSAGE, streamId);
    if (s !== undefined && s.tryRelay(data, from, to, count, maxBytes, lastStart)) return;
    const ab = data.buffer;
    const base = data.byteOffset;
    for (let o = from; o < to; ) {
      const len = readU32(data, o + 6);
      // A plain Uint8Array view: cheaper to create than Buffer#subarray, and no copy.
      this.onMessage(streamId, new Uint8Array(ab, base + o + HEADER_BYTES, len), HEADER_BYTES + len);
      o += HEADER_BYTES + len;
    }
  }

  /** The stream for a frame; undefined for a stream already finished; throws for one never opened. */
  protected streamFor(type: number, streamId: number): S | undefined {
    const s = this.streams.get(streamId);
    if (s !== undefined) return s;
    if (!this.wasOpened(streamId)) protocolError(type, streamId, 'stream was never opened');
    return undefined;
  }

  /** Starts the heartbeat (after the handshake). */
  protected startHeartbeat(): void {
    const { intervalMs, timeoutMs } = this.config.heartbeat;
    if (intervalMs <= 0) return;
    const check = (): void => {
      if (this.state.t !== 'open') return;
      if (!this.heard) {
        this.terminate(fail('TRANSPORT_HEARTBEAT_TIMEOUT', `${this.config.peer} did not answer a heartbeat within ${timeoutMs} ms; connection dropped`));
        return;
      }
      this.heartbeatTimer = unref(setTimeout(ping, intervalMs));
    };
    const ping = (): void => {
      if (this.state.t !== 'open') return;
      this.heard = false;
      this.sendHeartbeat();
      this.heartbeatTimer = unref(setTimeout(check, timeoutMs));
    };
    this.heartbeatTimer = unref(setTimeout(ping, intervalMs));
  }

  /** Closes the connection with a 1002 close and a warn log. */
  protected protocolFailure(err: ProtocolError): void {
    this.config.logger.warn({ peer: this.config.peer, frame: err.frame, stream: err.streamId, problem: err.problem }, `closing WebSocket connection with ${this.config.peer}: protocol error: ${err.message}`);
    this.close(CloseCode.PROTOCOL_ERROR, `protocol error: ${err.message}`, fail('TRANSPORT_PROTOCOL_ERROR', `protocol error on the WebSocket connection with ${this.config.peer}: ${err.message}`));
  }

  private internalFailure(err: unknown): void {
    this.config.logger.error({ peer: this.config.peer, err }, `closing WebSocket connection with ${this.config.peer}: internal error`);
    this.close(CloseCode.INTERNAL_ERROR, 'internal error', SwitchyardError.from(err, Code.INTERNAL));
  }

  /** Closes with a closing handshake (dropped after `closeTimeoutMs`); open streams end with `error`. */
  close(code: number, reason: string, error: SwitchyardError): void {
    if (this.state.t !== 'open') return;
    try {
      this.sink.flush();
    } catch {
      // the socket is already gone
    }
    this.finish(error);
    try {
      this.port.close(code, closeReason(reason));
    } catch {
      this.port.terminate();
    }
    this.closeTimer = unref(setTimeout(() => {
      this.port.terminate();
      this.socketGone();
    }, this.config.closeTimeoutMs));
  }

  /** Drops the socket at once; open streams end with `error`. */
  terminate(error: SwitchyardError): void {
    if (this.state.t !== 'open') return;
    this.finish(error);
    this.port.terminate();
    this.socketGone();
  }

  /** The socket closed (either side). */
  handleClose(code: number, reason: string): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.socketGone();
    if (this.state.t !== 'open') return;
    const detail = reason ? `${code} ${reason}` : String(code);
    const error =
      code === CloseCode.PROTOCOL_ERROR
        ? fail('TRANSPORT_PROTOCOL_ERROR', `${this.config.peer} closed the WebSocket connection: ${detail}`)
        : fail('TRANSPORT_UNAVAILABLE', `WebSocket connection with ${this.config.peer} closed (${detail})`);
    this.finish(error);
  }

  private finish(error: SwitchyardError): void {
    this.state = { t: 'closed', error };
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.congestionTimer) clearTimeout(this.congestionTimer);
    for (const s of [...this.streams.values()]) s.connectionLost(error);
    this.streams.clear();
    this.closed(error);
  }

  /** The socket is closed or dropped (may be called more than once). */
  protected socketGone(): void {}

  /** The peer's SETTINGS arrived. */
  protected abstract settingsReceived(s: Settings): void;
  /** True when `streamId` was opened on this connection at some point. */
  protected abstract wasOpened(streamId: number): boolean;
  /** Sends one heartbeat probe. */
  protected abstract sendHeartbeat(): void;
  /** The connection is closed; every stream has been ended. */
  protected abstract closed(error: SwitchyardError): void;

  abstract onOpen(streamId: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void;
  abstract onHalfClose(streamId: number): void;
  abstract onHeaders(streamId: number, headers: Metadata): void;
  abstract onStatus(streamId: number, status: Status): void;
  abstract onCancel(streamId: number, code: Code, message: string): void;
  abstract onGoaway(lastStreamId: number, code: Code, message: string): void;
}

/** Unrefs a Node timer (no-op in browsers). */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
