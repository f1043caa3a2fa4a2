/**
 * The client side of one gRPC call. Created at once by `start()`; bound to an HTTP/2 stream
 * when the connection is ready (requests written before are held, within the write
 * high-water mark).
 */
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { Code, fail, SwitchyardError } from '../../errors.js';
import { grpcTimeoutFor, startDeadlineTimer, type DeadlineTimer } from '../deadline.js';
import { Inbox } from '../inbox.js';
import { Metadata } from '../metadata.js';
import { status, statusFromError, type Status } from '../status.js';
import { offerRun, type MessageRun, type RelayCapable, type RelayResult } from '../relay.js';
import type { CallOptions, ClientCall, ClientCallListener, MethodInfo } from '../transport.js';
import { FrameDecoder } from './framing.js';
import { FrameWriter } from './frame-writer.js';
import { guardListener } from './guard.js';
import { headersToMetadata, metadataToHeaders, rawHeader } from './headers.js';
import { CONTENT_TYPE, H, USER_AGENT, codeFromHttpStatus, isGrpcContentType, statusFromTrailers } from './protocol.js';
import type { ClientSettings } from './options.js';

const HOLD_BYTES = 64 * 1024;

/** What a call needs from its client. */
export interface ClientCallHost {
  readonly settings: ClientSettings;
  /** Why the session died, when the client knows (keepalive, close). */
  lostReason(session: ClientHttp2Session): SwitchyardError | undefined;
  /** The call finished; stop tracking it. */
  onCallDone(call: GrpcClientCall): void;
}

/** {@link ClientCall} over one HTTP/2 stream. */
export class GrpcClientCall implements ClientCall, RelayCapable {
  readonly method: string;
  private readonly inbox = new Inbox<ClientCallListener>();
  private readonly decoder: FrameDecoder;
  private readonly writer: FrameWriter;
  private listener: ClientCallListener | undefined;
  private stream: ClientHttp2Stream | undefined;
  private session: ClientHttp2Session | undefined;
  private heldHeaders: Metadata | undefined;
  private trailerStatus: Status | undefined;
  private done = false;
  private halfClosed = false;
  private streamPaused = false;
  private timer: DeadlineTimer | undefined;
  private relayTarget: RelayCapable | undefined;
  private onRelayed: ((count: number) => void) | undefined;
  private readonly onAbort = (): void => this.cancel('the caller aborted the call');

  constructor(
    private readonly host: ClientCallHost,
    readonly info: MethodInfo,
    private readonly options: CallOptions,
  ) {
    this.method = info.path;
    this.decoder = new FrameDecoder(host.settings.maxMessageBytes, {
      onMessage: (m) => {
        this.inbox.push(m);
        if (this.inbox.queuedBytes > HOLD_BYTES) this.syncFlow();
      },
      onFrameError: (err) => this.finish(statusFromError(err), true),
      runReady: () => this.relayTarget !== undefined && this.listener !== undefined && !this.done && !this.inbox.isPaused && this.inbox.isEmpty,
      onRun: (chunk, from, to, count, maxBytes) => this.relayOut({ framing: 'grpc', bytes: chunk.subarray(from, to), count, maxBytes }),
    });
    this.writer = new FrameWriter(() => this.listener?.onDrain?.(), host.settings.writeHighWaterMark);
    const signal = options.signal;
    if (signal?.aborted) {
      this.finish(status(Code.CANCELLED, 'the caller aborted the call before it started'), true);
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.deadline !== undefined) {
      this.timer = startDeadlineTimer(options.deadline, () => this.finish(statusFromError(fail('TRANSPORT_DEADLINE_EXCEEDED', 'deadline exceeded')), true));
    }
  }

  /** True once the call has its final status. */
  get isDone(): boolean {
    return this.done;
  }

  listen(listener: ClientCallListener): void {
    const guarded = guardListener(listener, (err) => {
      this.host.settings.logger.error({ err, method: this.method }, 'grpc call listener threw');
      this.finish(statusFromError(fail('INTERNAL', `the call's listener threw: ${(err as Error)?.message ?? String(err)}`)), true);
    });
    this.listener = guarded;
    if (this.heldHeaders) {
      const h = this.heldHeaders;
      this.heldHeaders = undefined;
      guarded.onHeaders?.(h);
    }
    this.inbox.listen(guarded);
    this.syncFlow();
  }

  write(message: Uint8Array): boolean {
    if (this.done || this.halfClosed) return false;
    const max = this.host.settings.maxMessageBytes;
    if (message.byteLength > max) {
      this.finish(statusFromError(fail('TRANSPORT_MESSAGE_TOO_LARGE', `request message of ${message.byteLength} bytes is larger than the maximum of ${max}`)), true);
      return false;
    }
    return this.writer.write(message);
  }

  halfClose(): void {
    if (this.done || this.halfClosed) return;
    this.halfClosed = true;
    if (this.stream) {
      this.writer.flush();
      this.stream.end();
    }
  }

  cancel(reason?: string): void {
    this.finish(status(Code.CANCELLED, reason ?? 'cancelled by the client'), true);
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

  /** Relay target: queues a whole run as request messages. */
  relayRun(run: MessageRun): RelayResult {
    if (this.done || this.halfClosed || run.maxBytes > this.host.settings.maxMessageBytes) return 'refused';
    return this.writer.writeRun(run) ? 'written' : 'full';
  }

  private relayOut(run: MessageRun): boolean {
    const r = offerRun(this.relayTarget!, run, (err) => {
      this.host.settings.logger.error({ err, method: this.method }, 'grpc relay failed');
      this.finish(statusFromError(fail('INTERNAL', `relaying messages failed: ${(err as Error)?.message ?? String(err)}`)), true);
    });
    if (r === 'refused') return false;
    if (r === 'failed') return true;
    this.onRelayed?.(run.count);
    if (r === 'full') this.pause();
    return true;
  }

  /** Ends the call with `s` before or during its stream (connection failure, client close). */
  fail(s: Status): void {
    this.finish(s, true);
  }

  /** Opens the HTTP/2 stream on a ready session. */
  start(session: ClientHttp2Session): void {
    if (this.done) return;
    const s = this.host.settings;
    let stream: ClientHttp2Stream;
    try {
      const headers: Record<string, string | string[]> = {
        [H.method]: 'POST',
        [H.scheme]: s.secure ? 'https' : 'http',
        [H.path]: this.info.path,
        [H.authority]: s.authority,
        [H.contentType]: CONTENT_TYPE,
        [H.te]: 'trailers',
        [H.userAgent]: USER_AGENT,
        [H.acceptEncoding]: 'identity',
      };
      if (this.options.deadline !== undefined) headers[H.timeout] = grpcTimeoutFor(this.options.deadline);
      metadataToHeaders(this.options.metadata, headers);
      stream = session.request(headers, { endStream: false });
    } catch (err) {
      const e = err instanceof SwitchyardError ? err : fail('TRANSPORT_UNAVAILABLE', `cannot start the call: ${(err as Error).message}`, { cause: err });
      this.finish(statusFromError(e), false);
      return;
    }
    this.session = session;
    this.stream = stream;
    stream.on('response', (headers: IncomingHttpHeaders, flags: number, raw: string[]) => this.onResponse(Number(headers[H.status]), flags, raw));
    stream.on('trailers', (_h: unknown, _f: number, raw: string[]) => {
      this.trailerStatus = statusFromTrailers(raw);
    });
    stream.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    stream.on('end', () => this.onEnd());
    stream.on('close', () => this.onClose());
    stream.on('error', (err) => this.host.settings.logger.debug({ err, method: this.method }, 'grpc client stream error'));
    this.writer.attach(stream);
    if (this.halfClosed) {
      this.writer.flush();
      stream.end();
    }
    this.syncFlow();
  }

  private onResponse(httpStatus: number, flags: number, raw: string[]): void {
    if (this.done) return;
    const trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const hasGrpcStatus = rawHeader(raw, H.grpcStatus) !== undefined;
    if (httpStatus !== 200 && !(trailersOnly && hasGrpcStatus)) {
      const code = codeFromHttpStatus(httpStatus);
      this.finish(statusFromError(new SwitchyardError(`the server answered HTTP ${httpStatus}, not gRPC`, { id: 'TRANSPORT_NOT_GRPC', code })), true);
      return;
    }
    if (trailersOnly) {
      this.trailerStatus = statusFromTrailers(raw);
      return;
    }
    const contentType = rawHeader(raw, H.contentType);
    if (!isGrpcContentType(contentType)) {
      this.finish(statusFromError(fail('TRANSPORT_NOT_GRPC', `the server answered with content-type "${contentType ?? ''}", not application/grpc`)), true);
      return;
    }
    const md = headersToMetadata(raw);
    if (this.listener) this.listener.onHeaders?.(md);
    else this.heldHeaders = md;
  }

  private onEnd(): void {
    // node:http2 also ends the readable side when a stream is reset or its connection dies;
    // only an end after the trailers is the server finishing the call.
    if (this.done || !this.trailerStatus || this.stream?.aborted) return;
    this.finishWithTrailers(this.trailerStatus);
  }

  private onClose(): void {
    if (this.done) return;
    if (this.trailerStatus) return this.finishWithTrailers(this.trailerStatus);
    this.finish(this.closeStatus(), false);
  }

  private finishWithTrailers(s: Status): void {
    if (this.decoder.midMessage) {
      this.finish(statusFromError(fail('TRANSPORT_PROTOCOL_ERROR', `server ${this.decoder.describePartial()}`)), true);
      return;
    }
    this.finish(s, false);
  }

  private closeStatus(): Status {
    const session = this.session;
    const lost = session ? this.host.lostReason(session) : undefined;
    if (lost) return statusFromError(lost);
    if (session?.destroyed) return statusFromError(fail('TRANSPORT_UNAVAILABLE', 'the connection to the server was lost'));
    const code = this.stream?.rstCode;
    switch (code) {
      case constants.NGHTTP2_REFUSED_STREAM:
        return statusFromError(fail('TRANSPORT_UNAVAILABLE', 'the server refused the stream (it was going away or at its stream limit)'));
      case constants.NGHTTP2_CANCEL:
        return status(Code.CANCELLED, 'the server cancelled the stream');
      case constants.NGHTTP2_ENHANCE_YOUR_CALM:
        return status(Code.RESOURCE_EXHAUSTED, 'the server reset the stream: ENHANCE_YOUR_CALM');
      case constants.NGHTTP2_INADEQUATE_SECURITY:
        return status(Code.PERMISSION_DENIED, 'the server reset the stream: INADEQUATE_SECURITY');
      case constants.NGHTTP2_NO_ERROR:
      case undefined:
        return status(Code.UNKNOWN, 'the server ended the call without a grpc-status');
      default:
        return statusFromError(fail('TRANSPORT_PROTOCOL_ERROR', `the stream closed without a status (HTTP/2 error code ${code})`));
    }
  }

  private finish(s: Status, resetStream: boolean): void {
    if (this.done) return;
    this.done = true;
    this.timer?.clear();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.writer.close();
    const stream = this.stream;
    if (resetStream) {
      this.decoder.stop();
      this.inbox.clear();
      if (stream && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    } else if (stream && !stream.destroyed && !stream.writableEnded) {
      // The server finished first: close our side as grpc-js does.
      stream.close(s.code === Code.OK ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_CANCEL);
    }
    if (this.streamPaused && stream && !stream.destroyed) stream.resume();
    this.host.onCallDone(this);
    this.inbox.end((l) => l.onStatus(s));
  }

  private syncFlow(): void {
    const stream = this.stream;
    if (!stream || this.done) return;
    const want = this.inbox.isPaused || (!this.listener && this.inbox.queuedBytes > HOLD_BYTES);
    if (want === this.streamPaused) return;
    this.streamPaused = want;
    if (want) stream.pause();
    else stream.resume();
  }
}
