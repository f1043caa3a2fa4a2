/** The server's side of one WebSocket stream: a {@link ServerCall}. */
import { Code, SwitchyardError, fail } from '../../errors.js';
import { startDeadlineTimer, type DeadlineTimer } from '../deadline.js';
import type { Metadata } from '../metadata.js';
import { statusFromError, type Status } from '../status.js';
import type { CallKind, ServerCall, ServerCallListener } from '../transport.js';
import { FrameType, protocolError } from './frames.js';
import { WsStream, type StreamHost } from './stream.js';

/** What a server call needs from its connection. */
export interface ServerCallHost extends StreamHost {
  /** The call is over (status sent, cancelled, or connection lost). */
  streamEnded(call: WsServerCall): void;
  /** Logs a handler failure. */
  handlerFailed(call: WsServerCall, err: unknown): void;
}

type Phase = 'open' | 'ending' | 'done';

/** A call accepted by the WebSocket server. */
export class WsServerCall extends WsStream<ServerCallListener> implements ServerCall {
  readonly transport = 'ws' as const;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private phase: Phase = 'open';
  private halfClosed = false;
  private headersSent = false;
  private pendingStatus: Status | undefined;
  private readonly timer: DeadlineTimer | undefined;

  constructor(
    private readonly conn: ServerCallHost,
    id: number,
    readonly method: string,
    readonly kind: CallKind,
    readonly metadata: Metadata,
    readonly deadline: number | undefined,
    readonly peer: string,
  ) {
    super();
    this.signal = this.controller.signal;
    this.attach(conn, id);
    if (deadline !== undefined) {
      this.timer = startDeadlineTimer(deadline, () => this.fail(fail('TRANSPORT_DEADLINE_EXCEEDED', `deadline exceeded: ${method} ran past the client's deadline`)));
    }
  }

  /** True once the status went out (or the call was cancelled / lost). */
  get isDone(): boolean {
    return this.phase === 'done';
  }

  listen(listener: ServerCallListener): void {
    this.listener = listener;
    this.inbox.listen(listener);
  }

  sendHeaders(headers: Metadata): void {
    if (this.phase !== 'open' || this.headersSent) return;
    this.headersSent = true;
    try {
      this.conn.sink.headers(this.id, headers);
    } catch (err) {
      this.fail(SwitchyardError.from(err, Code.INTERNAL));
    }
  }

  write(message: Uint8Array): boolean {
    if (this.phase !== 'open') return false;
    this.headersSent = true;
    return this.send(message);
  }

  end(status: Status): void {
    if (this.phase !== 'open') return;
    this.sendDone = true;
    this.stopReceiving();
    if (this.hasQueued) {
      this.phase = 'ending';
      this.pendingStatus = status;
    } else {
      this.sendStatus(status);
    }
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  /** Ends the call early with `error`: the handler's signal aborts and the client gets the status. */
  fail(error: SwitchyardError): void {
    if (this.phase === 'done') return;
    this.sendDone = true;
    this.dropQueued();
    this.stopReceiving();
    this.sendStatus(statusFromError(error));
    this.abort(error);
  }

  override receive(message: Uint8Array, cost: number): void {
    if (this.halfClosed) protocolError(FrameType.MESSAGE, this.id, 'received after HALF_CLOSE');
    if (this.phase !== 'open') return;
    super.receive(message, cost);
  }

  /** The client half-closed. */
  halfCloseReceived(): void {
    if (this.halfClosed) protocolError(FrameType.HALF_CLOSE, this.id, 'received twice');
    this.halfClosed = true;
    this.recvDone = true;
    if (this.phase !== 'open') return;
    try {
      this.inbox.end((l) => l.onHalfClose?.());
    } catch (err) {
      this.listenerFailed(err);
    }
  }

  /** The client cancelled (CANCEL frame): abort the handler; no status is sent. */
  cancelReceived(code: Code, message: string): void {
    const id = code === Code.DEADLINE_EXCEEDED ? 'TRANSPORT_DEADLINE_EXCEEDED' : code === Code.CANCELLED ? 'TRANSPORT_CANCELLED' : undefined;
    this.connectionLost(new SwitchyardError(message || 'cancelled by the client', { code, id }));
  }

  /** The call ends without a status (cancel, or the connection is gone). */
  connectionLost(error: SwitchyardError): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.sendDone = true;
    this.dropQueued();
    this.stopReceiving();
    this.cleanup();
    this.abort(error);
  }

  protected afterQueueEmpty(): void {
    if (this.phase === 'ending') this.sendStatus(this.pendingStatus!);
  }

  protected acceptsRelayedMessages(): boolean {
    return this.phase === 'open' && !this.halfClosed;
  }

  protected acceptsRelayedWrites(): boolean {
    if (this.phase !== 'open') return false;
    this.headersSent = true;
    return true;
  }

  protected maxSendBytesBeforeOpen(): number {
    return this.conn.maxSendBytes;
  }

  protected sendTooLarge(bytes: number): void {
    this.fail(fail('TRANSPORT_MESSAGE_TOO_LARGE', `response message of ${bytes} bytes exceeds the limit of ${this.conn.maxSendBytes} bytes`));
  }

  protected receivedTooLarge(bytes: number): void {
    this.fail(fail('TRANSPORT_MESSAGE_TOO_LARGE', `request message of ${bytes} bytes exceeds the server's limit of ${this.conn.maxRecvBytes} bytes`));
  }

  protected listenerFailed(err: unknown): void {
    this.conn.handlerFailed(this, err);
    this.fail(SwitchyardError.from(err, Code.UNKNOWN));
  }

  private stopReceiving(): void {
    this.recvDone = true;
    this.inbox.clear();
  }

  private sendStatus(status: Status): void {
    this.phase = 'done';
    this.sendDone = true;
    this.conn.sink.status(this.id, status);
    this.cleanup();
  }

  private abort(error: SwitchyardError): void {
    if (!this.controller.signal.aborted) this.controller.abort(error);
  }

  private cleanup(): void {
    this.timer?.clear();
    this.conn.streamEnded(this);
  }
}
