/**
 * What both ends of a WebSocket stream share: credit-based flow control.
 *
 * Send side: a MESSAGE may go out while the stream's credit is positive; it costs its
 * credit units (binary: header + payload bytes; JSON: 1). Writes beyond the credit wait in a
 * queue and `write()` returns false; `onDrain` fires once the queue is empty, credit is
 * positive and the socket is not congested.
 * Receive side: the peer's remaining credit is tracked (a MESSAGE without credit is a
 * protocol error), and credit is granted back (WINDOW_UPDATE) as the reader consumes
 * messages through the {@link Inbox} (`onConsumed`), in batches of `grantThreshold`.
 */
import { Inbox } from '../inbox.js';
import { offerRun, relaySize, type MessageRun, type RelayCapable, type RelayResult } from '../relay.js';
import { FrameType, protocolError, type FrameSink } from './frames.js';

/** What a stream needs from its connection. */
export interface StreamHost {
  readonly sink: FrameSink;
  /** True while the socket's send buffer is above its high-water mark. */
  readonly congested: boolean;
  /** Credit cost of a received message of `bytes` bytes. */
  costOf(bytes: number): number;
  /** Consumed credit is granted back once it reaches this. */
  readonly grantThreshold: number;
  /** Credit this end grants the peer for each new stream. */
  readonly initialRecvWindow: number;
  /** Credit the peer grants this end for each new stream. */
  readonly initialSendWindow: number;
  /** Largest message this end may send (the smaller of both ends' limits). */
  readonly maxSendBytes: number;
  /** Largest message this end accepts. */
  readonly maxRecvBytes: number;
}

type Listener = { onMessage(message: Uint8Array): void; onDrain?(): void };

/** Flow control and ordered delivery for one stream; subclasses add the call semantics. */
export abstract class WsStream<L extends Listener> implements RelayCapable {
  /** Stream id (0 until opened). */
  id = 0;
  /** The connection, once opened. */
  host: StreamHost | undefined;
  /** The listener set by `listen()`. */
  protected listener: L | undefined;
  /** Ordered delivery of received messages. */
  readonly inbox: Inbox<L>;
  /** Credit left to send. */
  sendCredit = 0;
  /** Credit the peer has left to send to us. */
  recvCredit = 0;
  /** True once no more messages are expected from the peer (no more credit granted). */
  protected recvDone = false;
  /** True once no more messages may be written. */
  protected sendDone = false;
  /** A `write()` returned false and `onDrain` is owed. */
  wantDrain = false;
  private unacked = 0;
  private queue: Array<Uint8Array | undefined> = [];
  private qHead = 0;
  /** Bytes written but waiting for credit (or for the stream to open). */
  queuedBytes = 0;
  private relayTarget: RelayCapable | undefined;
  private onRelayed: ((count: number) => void) | undefined;

  constructor() {
    this.inbox = new Inbox<L>({ onConsumed: (bytes) => this.consumed(bytes) });
  }

  /** The stream is open on `host` as `id`: take the initial windows and send what waits. */
  attach(host: StreamHost, id: number): void {
    this.host = host;
    this.id = id;
    this.sendCredit = host.initialSendWindow;
    this.recvCredit = host.initialRecvWindow;
    this.pump();
  }

  /** Writes a message (see the class comment for the flow-control rules). */
  protected send(message: Uint8Array): boolean {
    const host = this.host;
    if (message.byteLength > (host ? host.maxSendBytes : this.maxSendBytesBeforeOpen())) {
      this.sendTooLarge(message.byteLength);
      return false;
    }
    if (host !== undefined && this.qHead === this.queue.length && this.sendCredit > 0) {
      this.sendCredit -= host.sink.message(this.id, message);
      if (this.sendCredit > 0 && !host.congested) return true;
      this.wantDrain = true;
      return false;
    }
    this.queue.push(message);
    this.queuedBytes += message.byteLength;
    if (host === undefined && this.queuedBytes < 65_536) return true;
    this.wantDrain = true;
    return false;
  }

  /** True while messages wait for credit. */
  protected get hasQueued(): boolean {
    return this.qHead < this.queue.length;
  }

  /** Drops queued messages (the call failed). */
  protected dropQueued(): void {
    this.queue = [];
    this.qHead = 0;
    this.queuedBytes = 0;
  }

  /** Sends queued messages while credit lasts; fires `onDrain` when owed and possible. */
  pump(): void {
    const host = this.host;
    if (host === undefined) return;
    const q = this.queue;
    while (this.qHead < q.length && this.sendCredit > 0) {
      const m = q[this.qHead]!;
      q[this.qHead++] = undefined;
      this.queuedBytes -= m.byteLength;
      this.sendCredit -= host.sink.message(this.id, m);
    }
    if (this.qHead < q.length) return;
    if (q.length > 0) {
      this.queue = [];
      this.qHead = 0;
    }
    this.afterQueueEmpty();
    if (this.wantDrain && this.sendCredit > 0 && !host.congested && !this.sendDone) {
      this.wantDrain = false;
      try {
        this.listener?.onDrain?.();
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  /** The peer granted credit. */
  windowUpdate(increment: number): void {
    if (this.sendCredit + increment > 0x7fff_ffff) protocolError(FrameType.WINDOW_UPDATE, this.id, `credit would exceed 2147483647`);
    this.sendCredit += increment;
    this.pump();
  }

  /** A MESSAGE arrived: check credit and size, then deliver in order. */
  receive(message: Uint8Array, cost: number): void {
    if (this.recvCredit <= 0) protocolError(FrameType.MESSAGE, this.id, 'sent without credit (flow-control window exhausted)');
    this.recvCredit -= cost;
    if (message.byteLength > this.host!.maxRecvBytes) {
      this.receivedTooLarge(message.byteLength);
      return;
    }
    // A message that will wait in the inbox is copied, so it does not pin the whole
    // WebSocket message (up to 64 KiB, shared with other streams) it arrived in.
    const waits = this.listener === undefined || this.inbox.isPaused || this.inbox.queuedBytes > 0;
    try {
      this.inbox.push(waits ? message.slice() : message);
    } catch (err) {
      this.listenerFailed(err);
    }
  }

  /** Relaying (see `relay.ts`): runs of received MESSAGE frames are offered to `target` first. */
  relayTo(target: RelayCapable | undefined, onRelayed?: (count: number) => void): void {
    this.relayTarget = target;
    this.onRelayed = onRelayed;
  }

  /**
   * A run of MESSAGE frames of this stream arrived, `data[from, to)` (binary subprotocol):
   * hands it to the relay target when the listener path would do the same. Returns false
   * when the frames must go through {@link receive} one by one instead.
   */
  tryRelay(data: Uint8Array, from: number, to: number, count: number, maxBytes: number, lastStart: number): boolean {
    const target = this.relayTarget;
    const host = this.host;
    if (target === undefined || host === undefined || this.listener === undefined) return false;
    // Each frame needs positive credit before it; the per-frame path reports a violation.
    if (maxBytes > host.maxRecvBytes || this.recvCredit - (lastStart - from) <= 0) return false;
    if (this.inbox.isPaused || !this.inbox.isEmpty || !this.acceptsRelayedMessages()) return false;
    // The target's failure ends this call, not the connection it shares with others.
    const r = offerRun(target, { framing: 'ws', bytes: data.subarray(from, to), count, maxBytes }, (err) => this.listenerFailed(err));
    if (r === 'refused') return false;
    if (r === 'failed') return true;
    const cost = to - from;
    this.recvCredit -= cost;
    this.consumedCost(cost);
    this.onRelayed?.(count);
    if (r === 'full') this.inbox.pause();
    return true;
  }

  /** Relay target: writes a whole run as MESSAGE frames if credit covers it and nothing is queued. */
  relayRun(run: MessageRun): RelayResult {
    const host = this.host;
    if (host === undefined || host.sink.run === undefined || this.qHead < this.queue.length || host.congested) return 'refused';
    if (run.maxBytes > host.maxSendBytes || this.sendCredit < relaySize(run, 'ws')) return 'refused';
    if (!this.acceptsRelayedWrites()) return 'refused';
    this.sendCredit -= host.sink.run(this.id, run);
    if (this.sendCredit > 0) return 'written';
    this.wantDrain = true;
    return 'full';
  }

  private consumed(bytes: number): void {
    const host = this.host;
    if (host === undefined) return;
    this.consumedCost(host.costOf(bytes));
  }

  private consumedCost(cost: number): void {
    const host = this.host;
    if (host === undefined || this.recvDone) return;
    this.unacked += cost;
    if (this.unacked >= host.grantThreshold) {
      host.sink.windowUpdate(this.id, this.unacked);
      this.recvCredit += this.unacked;
      this.unacked = 0;
    }
  }

  /** True when relayed messages may be received now (and notes that one was). */
  protected abstract acceptsRelayedMessages(): boolean;
  /** True when relayed messages may be written now (and notes that one is). */
  protected abstract acceptsRelayedWrites(): boolean;
  /** Limit checked on writes before the stream is open. */
  protected abstract maxSendBytesBeforeOpen(): number;
  /** A write exceeded the message limit. */
  protected abstract sendTooLarge(bytes: number): void;
  /** The peer sent a message over our limit. */
  protected abstract receivedTooLarge(bytes: number): void;
  /** A listener callback threw. */
  protected abstract listenerFailed(err: unknown): void;
  /** The send queue is empty: a pending HALF_CLOSE or STATUS may go out. */
  protected abstract afterQueueEmpty(): void;
}
