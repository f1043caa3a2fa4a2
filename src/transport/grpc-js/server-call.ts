/** One server call of the grpc-js engine: a grpc-js duplex stream behind the push-based {@link ServerCall}. */
import type * as grpc from '@grpc/grpc-js';
import { Code, fail, type SwitchyardError } from '../../errors.js';
import { Inbox } from '../inbox.js';
import type { Metadata } from '../metadata.js';
import { status as makeStatus, statusFromError, type Status } from '../status.js';
import type { CallKind, MethodInfo, ServerCall, ServerCallListener } from '../transport.js';
import { cleanPeer, fromGrpcMetadata, toGrpcMetadata, toGrpcTrailers } from './convert.js';

/** The grpc-js stream type every method is registered with (identity serializers). */
export type RawServerStream = grpc.ServerDuplexStream<Buffer, Uint8Array>;

/** How close to the deadline a client reset counts as the deadline passing, ms. */
const DEADLINE_SLACK_MS = 50;

/** Life of a server call, as a tagged union. */
type CallState = { t: 'open' } | { t: 'ending'; status: Status } | { t: 'done'; reason: 'status' | 'aborted' };

/**
 * The HTTP/2 stream under a grpc-js server call, read from grpc-js's call object (private
 * fields, checked defensively; present in grpc-js 1.10–1.14). Used for two facts grpc-js does
 * not report: whether the client reset the stream (Node ends a stream's readable side on
 * RST_STREAM too, and grpc-js turns that into a half-close before it reports the cancel) and
 * whether the connection is gone. Without it a cancel may look like a half-close.
 */
function http2Stream(stream: RawServerStream): { rstCode?: number; session?: { destroyed: boolean; closed: boolean } } | undefined {
  return (stream as unknown as { call?: { stream?: { rstCode?: number; session?: { destroyed: boolean; closed: boolean } } } }).call?.stream;
}

function wasReset(stream: RawServerStream): boolean {
  // Node starts every stream at rstCode 0 (NO_ERROR); a client cancel resets with CANCEL (8).
  return (http2Stream(stream)?.rstCode ?? 0) !== 0;
}

/** Adapts a grpc-js duplex stream to {@link ServerCall}. */
export class GrpcJsServerCall implements ServerCall {
  readonly transport = 'grpc' as const;
  readonly method: string;
  readonly kind: CallKind;
  readonly metadata: Metadata;
  readonly deadline: number | undefined;
  readonly peer: string;
  private readonly controller = new AbortController();
  private readonly inbox: Inbox<ServerCallListener>;
  private listener: ServerCallListener | undefined;
  private state: CallState = { t: 'open' };
  private headersSent = false;

  constructor(
    private readonly stream: RawServerStream,
    info: MethodInfo,
    private readonly maxMessageBytes: number,
    private readonly onDone: (call: GrpcJsServerCall) => void,
  ) {
    this.method = info.path;
    this.kind = info.kind;
    this.metadata = fromGrpcMetadata(stream.metadata);
    const d = stream.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    this.deadline = Number.isFinite(ms) ? ms : undefined;
    this.peer = cleanPeer(stream.getPeer());
    this.inbox = new Inbox<ServerCallListener>({ onPausedChange: (paused) => (paused ? stream.pause() : stream.resume()) });
    stream.on('data', (m: Buffer) => this.inbox.push(m));
    stream.on('end', () => {
      if (wasReset(stream)) this.aborted(this.cancelReason());
      else this.inbox.end((l) => l.onHalfClose?.());
    });
    stream.on('drain', () => this.listener?.onDrain?.());
    stream.on('cancelled', () => this.aborted(this.cancelReason()));
    // 'prefinish' fires as grpc-js sends the status; its own cancel notice follows every status.
    stream.on('prefinish', () => this.finished());
  }

  /** Aborted when the call ends early. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True until a status was sent or the call was aborted. */
  get isOpen(): boolean {
    return this.state.t === 'open';
  }

  listen(listener: ServerCallListener): void {
    this.listener = listener;
    this.inbox.listen(listener);
  }

  sendHeaders(headers: Metadata): void {
    if (this.headersSent || this.state.t !== 'open') return;
    this.headersSent = true;
    this.stream.sendMetadata(toGrpcMetadata(headers));
  }

  write(message: Uint8Array): boolean {
    if (this.state.t !== 'open') return false;
    if (message.byteLength > this.maxMessageBytes) {
      this.end(makeStatus(Code.RESOURCE_EXHAUSTED, `response message of ${message.byteLength} bytes is over the ${this.maxMessageBytes}-byte limit`));
      return false;
    }
    this.headersSent = true;
    return this.stream.write(message);
  }

  end(status: Status): void {
    if (this.state.t !== 'open') return;
    this.state = { t: 'ending', status };
    let trailers: grpc.Metadata;
    try {
      trailers = toGrpcTrailers(status);
    } catch (err) {
      const e = statusFromError(err);
      this.stream.emit('error', { code: Code.INTERNAL, details: `the server's trailers cannot be sent: ${e.message}` });
      return;
    }
    if (status.code === Code.OK) {
      this.stream.end(trailers);
    } else {
      // grpc-js's documented way to end a stream call with an error status (after queued writes).
      this.stream.emit('error', { code: status.code, details: status.message, metadata: trailers });
    }
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  /** Ends the call at once with UNAVAILABLE (server shutdown past its grace period). */
  abortUnavailable(message: string): void {
    if (this.state.t === 'done') return;
    const wasOpen = this.state.t === 'open';
    this.aborted(fail('TRANSPORT_UNAVAILABLE', message));
    if (wasOpen) this.stream.emit('error', { code: Code.UNAVAILABLE, details: message });
  }

  private cancelReason(): SwitchyardError {
    // The client resets the stream when its own deadline fires, which is a little before ours
    // (ours starts when the headers arrive): a reset that close to the deadline is the deadline.
    if (this.deadline !== undefined && Date.now() >= this.deadline - DEADLINE_SLACK_MS) {
      return fail('TRANSPORT_DEADLINE_EXCEEDED', 'the call passed its deadline');
    }
    const session = http2Stream(this.stream)?.session;
    if (session?.destroyed) return fail('TRANSPORT_UNAVAILABLE', 'the connection to the client was lost');
    return fail('TRANSPORT_CANCELLED', 'the client cancelled the call');
  }

  private aborted(reason: SwitchyardError): void {
    if (this.state.t === 'done') return;
    this.state = { t: 'done', reason: 'aborted' };
    this.inbox.clear();
    this.controller.abort(reason);
    this.onDone(this);
  }

  private finished(): void {
    if (this.state.t === 'done') return;
    this.state = { t: 'done', reason: 'status' };
    this.onDone(this);
  }
}
