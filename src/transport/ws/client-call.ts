/** The client's side of one WebSocket stream: a {@link ClientCall}. */
import { Code, SwitchyardError, fail } from '../../errors.js';
import { startDeadlineTimer, type DeadlineTimer } from '../deadline.js';
import type { Metadata } from '../metadata.js';
import { status, statusFromError, type Status } from '../status.js';
import type { ClientCall, ClientCallListener } from '../transport.js';
import { FrameType, protocolError } from './frames.js';
import { WsStream, type StreamHost } from './stream.js';

/** What a client call needs from the client. */
export interface ClientCallOwner {
  /** Largest request message, bytes. */
  readonly maxMessageBytes: number;
  /** The call is over: drop it from the pending queue or its connection. */
  callEnded(call: WsClientCall): void;
}

/** What a client call needs from its connection once open. */
export interface ClientCallHost extends StreamHost {
  callEnded(call: WsClientCall): void;
}

type Phase = 'pending' | 'open' | 'done';

/** A call started by the WebSocket client. */
export class WsClientCall extends WsStream<ClientCallListener> implements ClientCall {
  phase: Phase = 'pending';
  conn: ClientCallHost | undefined;
  private halfCloseState: 'no' | 'requested' | 'sent' = 'no';
  private gotHeaders = false;
  private gotMessage = false;
  private heldHeaders: Metadata | undefined;
  private timer: DeadlineTimer | undefined;
  private readonly onAbort = (): void => this.cancel(abortReason(this.signal));

  constructor(
    private readonly owner: ClientCallOwner,
    readonly method: string,
    readonly metadata: Metadata,
    readonly deadline: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    super();
    if (signal?.aborted) {
      this.fail(status(Code.CANCELLED, abortReason(signal)), false);
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (deadline !== undefined) {
      const started = Date.now();
      this.timer = startDeadlineTimer(deadline, () => this.fail(statusFromError(fail('TRANSPORT_DEADLINE_EXCEEDED', `deadline exceeded after ${Date.now() - started} ms`)), true));
    }
  }

  listen(listener: ClientCallListener): void {
    this.listener = listener;
    const held = this.heldHeaders;
    if (held) {
      this.heldHeaders = undefined;
      this.safely(() => listener.onHeaders?.(held));
    }
    this.inbox.listen(listener);
  }

  write(message: Uint8Array): boolean {
    if (this.phase === 'done' || this.halfCloseState !== 'no') return false;
    return this.send(message);
  }

  halfClose(): void {
    if (this.phase === 'done' || this.halfCloseState !== 'no') return;
    this.halfCloseState = 'requested';
    if (this.phase === 'open' && !this.hasQueued) this.sendHalfClose();
  }

  cancel(reason?: string): void {
    this.fail(statusFromError(fail('TRANSPORT_CANCELLED', reason ?? 'cancelled by the client')), true);
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  /** The connection sent OPEN for this call as stream `id`. */
  opened(conn: ClientCallHost, id: number): void {
    if (this.phase !== 'pending') return;
    this.phase = 'open';
    this.conn = conn;
    this.attach(conn, id);
  }

  /** Milliseconds left until the deadline (undefined without one). */
  timeoutMs(now: number = Date.now()): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - now;
  }

  headersReceived(headers: Metadata): void {
    if (this.gotHeaders || this.gotMessage) protocolError(FrameType.HEADERS, this.id, this.gotHeaders ? 'received twice' : 'received after the first MESSAGE');
    this.gotHeaders = true;
    if (this.phase === 'done') return;
    const l = this.listener;
    if (l) this.safely(() => l.onHeaders?.(headers));
    else this.heldHeaders = headers;
  }

  override receive(message: Uint8Array, cost: number): void {
    this.gotMessage = true;
    if (this.phase === 'done') return;
    super.receive(message, cost);
  }

  statusReceived(s: Status): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.sendDone = this.recvDone = true;
    this.cleanup();
    this.safely(() => this.inbox.end((l) => l.onStatus(s)));
  }

  connectionLost(error: SwitchyardError): void {
    this.fail(statusFromError(error), false);
  }

  /** Ends the call locally with `s`; tells the server (CANCEL) when asked and the stream is open. */
  fail(s: Status, sendCancel: boolean): void {
    if (this.phase === 'done') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'done';
    this.sendDone = this.recvDone = true;
    this.dropQueued();
    if (wasOpen && sendCancel) this.conn!.sink.cancel(this.id, s.code, s.message);
    this.cleanup();
    this.inbox.clear();
    this.safely(() => this.inbox.end((l) => l.onStatus(s)));
  }

  protected afterQueueEmpty(): void {
    if (this.halfCloseState === 'requested' && this.phase === 'open') this.sendHalfClose();
  }

  protected acceptsRelayedMessages(): boolean {
    this.gotMessage = true;
    return this.phase !== 'done';
  }

  protected acceptsRelayedWrites(): boolean {
    return this.phase === 'open' && this.halfCloseState === 'no';
  }

  protected maxSendBytesBeforeOpen(): number {
    return this.owner.maxMessageBytes;
  }

  protected sendTooLarge(bytes: number): void {
    const limit = this.conn ? this.conn.maxSendBytes : this.owner.maxMessageBytes;
    this.fail(statusFromError(fail('TRANSPORT_MESSAGE_TOO_LARGE', `request message of ${bytes} bytes exceeds the limit of ${limit} bytes`)), true);
  }

  protected receivedTooLarge(bytes: number): void {
    this.fail(statusFromError(fail('TRANSPORT_MESSAGE_TOO_LARGE', `response message of ${bytes} bytes exceeds the client's limit of ${this.conn!.maxRecvBytes} bytes`)), true);
  }

  protected listenerFailed(err: unknown): void {
    const e = SwitchyardError.from(err, Code.CANCELLED);
    this.fail(status(Code.CANCELLED, `the call's listener threw: ${e.rawMessage}`), true);
  }

  private sendHalfClose(): void {
    this.halfCloseState = 'sent';
    this.conn!.sink.halfClose(this.id);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.phase !== 'done') this.listenerFailed(err);
    }
  }

  private cleanup(): void {
    this.timer?.clear();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.owner.callEnded(this);
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  if (r instanceof Error && r.message) return r.message;
  return typeof r === 'string' && r ? r : 'cancelled by the client (signal aborted)';
}
