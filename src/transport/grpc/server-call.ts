/**
 * The server side of one gRPC call on an HTTP/2 stream.
 *
 * Per message: DATA chunk → {@link FrameDecoder} (prefixes parsed in place) → {@link Inbox}
 * → the handler's listener; and back: `write()` → {@link FrameWriter} (coalesced per tick).
 * No promise or timer is created per message.
 */
import { constants, type ServerHttp2Stream, type Http2Session } from 'node:http2';
import { fail, type SwitchyardError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { startDeadlineTimer, type DeadlineTimer } from '../deadline.js';
import { Inbox } from '../inbox.js';
import type { Metadata } from '../metadata.js';
import { statusFromError, type Status } from '../status.js';
import { offerRun, type MessageRun, type RelayCapable, type RelayResult } from '../relay.js';
import type { CallKind, ServerCall, ServerCallListener } from '../transport.js';
import { FrameDecoder } from './framing.js';
import { FrameWriter } from './frame-writer.js';
import { guardListener } from './guard.js';
import { metadataToHeaders } from './headers.js';
import { CONTENT_TYPE, H, trailersFor } from './protocol.js';

/** Requests held for a handler that has not called `listen()` yet before reading stops. */
const HOLD_BYTES = 64 * 1024;

/** A client cancel this close to the deadline is reported to the handler as DEADLINE_EXCEEDED. */
export const DEADLINE_SLACK_MS = 50;

/** What a call needs from its server and connection. */
export interface ServerCallContext {
  readonly maxMessageBytes: number;
  readonly writeHighWaterMark: number;
  readonly logger: Logger;
  /** The HTTP/2 session carrying the call. */
  readonly session: Http2Session;
  /** Set when the connection was declared dead (keepalive, shutdown) before its streams close. */
  readonly lostReason: SwitchyardError | undefined;
  /** The call is over and its stream closed. */
  onCallClosed(call: GrpcServerCall): void;
}

/** Call facts parsed from the request headers. */
export interface ServerCallInit {
  method: string;
  kind: CallKind;
  metadata: Metadata;
  deadline: number | undefined;
  peer: string;
}

/** {@link ServerCall} over one HTTP/2 stream. */
export class GrpcServerCall implements ServerCall, RelayCapable {
  readonly transport = 'grpc' as const;
  readonly method: string;
  readonly kind: CallKind;
  readonly metadata: Metadata;
  readonly deadline: number | undefined;
  readonly peer: string;
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly inbox = new Inbox<ServerCallListener>();
  private readonly decoder: FrameDecoder;
  private readonly writer: FrameWriter;
  private listener: ServerCallListener | undefined;
  private headersSent = false;
  private finished = false;
  private streamPaused = false;
  private readonly timer: DeadlineTimer | undefined;
  private relayTarget: RelayCapable | undefined;
  private onRelayed: ((count: number) => void) | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    init: ServerCallInit,
    private readonly ctx: ServerCallContext,
  ) {
    this.method = init.method;
    this.kind = init.kind;
    this.metadata = init.metadata;
    this.deadline = init.deadline;
    this.peer = init.peer;
    this.signal = this.abort.signal;
    this.decoder = new FrameDecoder(ctx.maxMessageBytes, {
      onMessage: (m) => {
        this.inbox.push(m);
        if (this.inbox.queuedBytes > HOLD_BYTES) this.syncFlow();
      },
      onFrameError: (err) => this.fail(err, true),
      runReady: () => this.relayTarget !== undefined && this.listener !== undefined && !this.finished && !this.inbox.isPaused && this.inbox.isEmpty,
      onRun: (chunk, from, to, count, maxBytes) => this.relayOut({ framing: 'grpc', bytes: chunk.subarray(from, to), count, maxBytes }),
    });
    this.writer = new FrameWriter(() => this.listener?.onDrain?.(), ctx.writeHighWaterMark);
    this.writer.attach(stream);
    stream.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    stream.on('end', () => this.onRemoteEnd());
    stream.on('close', () => this.onStreamClose());
    stream.on('error', (err) => ctx.logger.debug({ err, method: this.method, peer: this.peer }, 'grpc server stream error'));
    if (init.deadline !== undefined) {
      this.timer = startDeadlineTimer(init.deadline, () => this.fail(fail('TRANSPORT_DEADLINE_EXCEEDED', 'deadline exceeded'), true));
    }
  }

  /** True once the call ended (status sent or aborted). */
  get isFinished(): boolean {
    return this.finished;
  }

  listen(listener: ServerCallListener): void {
    this.listener = guardListener(listener, (err) => {
      this.ctx.logger.error({ err, method: this.method }, 'grpc call handler threw');
      this.fail(fail('INTERNAL', `the handler threw: ${(err as Error)?.message ?? String(err)}`), true);
    });
    this.inbox.listen(this.listener);
    this.syncFlow();
  }

  sendHeaders(headers: Metadata): void {
    if (this.finished || this.headersSent) return;
    let block: Record<string, string | string[]>;
    try {
      block = metadataToHeaders(headers, { [H.status]: '200', [H.contentType]: CONTENT_TYPE });
    } catch (err) {
      this.fail(err as SwitchyardError, true);
      return;
    }
    this.respond(block);
  }

  write(message: Uint8Array): boolean {
    if (this.finished) return false;
    if (message.byteLength > this.ctx.maxMessageBytes) {
      this.fail(fail('TRANSPORT_MESSAGE_TOO_LARGE', `response message of ${message.byteLength} bytes is larger than the maximum of ${this.ctx.maxMessageBytes}`), true);
      return false;
    }
    if (!this.headersSent) this.respond({ [H.status]: '200', [H.contentType]: CONTENT_TYPE });
    return this.writer.write(message);
  }

  end(status: Status): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.clear();
    this.sendStatus(status);
    this.stopReading();
  }

  pause(): void {
    this.inbox.pause();
    this.syncFlow();
  }

  resume(): void {
    this.inbox.resume();
    this.syncFlow();
  }

  /** Relaying (see `../relay.ts`): runs of received messages are offered to `target` first. */
  relayTo(target: RelayCapable | undefined, onRelayed?: (count: number) => void): void {
    this.relayTarget = target;
    this.onRelayed = onRelayed;
  }

  /** Relay target: queues a whole run as response messages. */
  relayRun(run: MessageRun): RelayResult {
    if (this.finished || run.maxBytes > this.ctx.maxMessageBytes) return 'refused';
    if (!this.headersSent) this.respond({ [H.status]: '200', [H.contentType]: CONTENT_TYPE });
    return this.writer.writeRun(run) ? 'written' : 'full';
  }

  private relayOut(run: MessageRun): boolean {
    const r = offerRun(this.relayTarget!, run, (err) => {
      this.ctx.logger.error({ err, method: this.method }, 'grpc relay failed');
      this.fail(fail('INTERNAL', `relaying messages failed: ${(err as Error)?.message ?? String(err)}`), true);
    });
    if (r === 'refused') return false;
    if (r === 'failed') return true;
    this.onRelayed?.(run.count);
    if (r === 'full') this.pause();
    return true;
  }

  /** Ends the call with `err` (status sent when `send`) and aborts the handler's signal. */
  fail(err: SwitchyardError, send: boolean): void {
    if (this.finished) return;
    if (send) this.end(statusFromError(err));
    else {
      this.finished = true;
      this.timer?.clear();
      this.writer.close();
      this.stopReading();
    }
    if (!this.abort.signal.aborted) this.abort.abort(err);
  }

  private respond(block: Record<string, string | string[]>): void {
    this.headersSent = true;
    if (this.stream.destroyed || this.stream.headersSent) return;
    try {
      this.stream.respond(block, { waitForTrailers: true });
    } catch (err) {
      this.ctx.logger.warn({ err, method: this.method }, 'grpc server could not send response headers');
      this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  private sendStatus(status: Status): void {
    const stream = this.stream;
    let trailers: Record<string, string | string[]>;
    try {
      trailers = trailersFor(status, metadataToHeaders(status.trailers, {}));
    } catch (err) {
      trailers = trailersFor(statusFromError(err), {});
    }
    if (stream.destroyed || stream.closed) return this.writer.close();
    if (!this.headersSent) {
      this.headersSent = true;
      this.writer.close();
      trailers[H.status] = '200';
      trailers[H.contentType] = CONTENT_TYPE;
      try {
        stream.respond(trailers, { endStream: true });
      } catch (err) {
        this.ctx.logger.warn({ err, method: this.method }, 'grpc server could not send a trailers-only response');
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      // The client may still be sending: a trailers-only response can be followed by
      // RST_STREAM(NO_ERROR) safely (nothing is queued behind it).
      if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
      return;
    }
    this.writer.flush();
    this.writer.close();
    stream.once('wantTrailers', () => {
      if (!stream.destroyed) stream.sendTrailers(trailers);
    });
    stream.end();
  }

  /** Drops further requests (the call is over) but keeps consuming them, so flow control never stalls the connection. */
  private stopReading(): void {
    this.decoder.stop();
    this.inbox.clear();
    this.inbox.end(() => {});
    if (this.streamPaused) {
      this.streamPaused = false;
      this.stream.resume();
    }
  }

  private syncFlow(): void {
    if (this.finished) return;
    const want = this.inbox.isPaused || this.inbox.queuedBytes > HOLD_BYTES;
    if (want === this.streamPaused) return;
    this.streamPaused = want;
    if (want) this.stream.pause();
    else this.stream.resume();
  }

  private onRemoteEnd(): void {
    // node:http2 also ends the readable side when the stream is reset or the connection
    // dies; the close handler reports those.
    if (this.finished || this.stream.aborted) return;
    if (this.decoder.midMessage) {
      this.fail(fail('TRANSPORT_PROTOCOL_ERROR', this.decoder.describePartial()), true);
      return;
    }
    this.inbox.end((l) => l.onHalfClose?.());
  }

  private onStreamClose(): void {
    this.ctx.onCallClosed(this);
    if (this.finished) return;
    this.fail(this.closeReason(), false);
  }

  private closeReason(): SwitchyardError {
    const lost = this.ctx.lostReason;
    if (lost) return lost;
    if (this.ctx.session.destroyed) return fail('TRANSPORT_UNAVAILABLE', 'connection to the client was lost');
    if (this.deadline !== undefined && Date.now() >= this.deadline - DEADLINE_SLACK_MS) return fail('TRANSPORT_DEADLINE_EXCEEDED', 'deadline exceeded');
    const code = this.stream.rstCode;
    if (code === undefined || code === constants.NGHTTP2_CANCEL || code === constants.NGHTTP2_NO_ERROR) return fail('TRANSPORT_CANCELLED', 'the client cancelled the call');
    return fail('TRANSPORT_CANCELLED', `the client reset the stream (HTTP/2 error code ${code})`);
  }
}
