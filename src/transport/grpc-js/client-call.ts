/**
 * One client call of the grpc-js engine: a grpc-js call (made with the `make*Request` that
 * matches the method's kind, identity serializers) behind the push-based {@link ClientCall}.
 * Unary and server-streaming calls send their one request when it is written, as grpc-js
 * takes it up front.
 */
import type * as grpc from '@grpc/grpc-js';
import { Code } from '../../errors.js';
import { Inbox } from '../inbox.js';
import type { Metadata } from '../metadata.js';
import { status as makeStatus, statusFromError, type Status } from '../status.js';
import type { CallOptions, ClientCall, ClientCallListener, MethodInfo } from '../transport.js';
import { fromGrpcMetadata, fromGrpcStatus, toGrpcMetadata } from './convert.js';

type RawCall = grpc.ClientUnaryCall | grpc.ClientWritableStream<Uint8Array> | grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Uint8Array, Buffer>;

type CallState =
  | { t: 'pending' } // unary / server-stream before its request is written
  | { t: 'started'; raw: RawCall; halfClosed: boolean }
  | { t: 'done' };

/** Statuses that end a call at once, dropping responses not yet read. */
const ABRUPT = new Set<Code>([Code.CANCELLED, Code.DEADLINE_EXCEEDED, Code.UNAVAILABLE]);

const identity = <T>(x: T): T => x;
const toBuffer = (m: Uint8Array): Buffer => (Buffer.isBuffer(m) ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength));

/** Adapts a grpc-js client call to {@link ClientCall}. */
export class GrpcJsClientCall implements ClientCall {
  readonly method: string;
  private readonly inbox: Inbox<ClientCallListener>;
  private listener: ClientCallListener | undefined;
  private heldHeaders: Metadata | undefined;
  private state: CallState = { t: 'pending' };
  private receivedStatus: Status | undefined;
  private readableEnded: boolean;
  private readonly onAbort = (): void => this.cancel('aborted by the caller');

  constructor(
    private readonly client: grpc.Client | undefined,
    private readonly info: MethodInfo,
    private readonly options: CallOptions,
    private readonly onDone: (call: GrpcJsClientCall) => void,
  ) {
    this.method = info.path;
    const streamsResponses = info.kind === 'server-stream' || info.kind === 'bidi';
    this.readableEnded = !streamsResponses;
    this.inbox = new Inbox<ClientCallListener>({ onPausedChange: (p) => this.setPaused(p) });
  }

  /** Starts the call (streaming requests) or arms it (unary, server-stream). Call once, after tracking it. */
  open(): this {
    const signal = this.options.signal;
    if (signal?.aborted) {
      this.finish(makeStatus(Code.CANCELLED, 'aborted by the caller'), true);
      return this;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.info.kind === 'bidi' || this.info.kind === 'client-stream') this.begin(undefined);
    return this;
  }

  listen(listener: ClientCallListener): void {
    this.listener = listener;
    if (this.heldHeaders) listener.onHeaders?.(this.heldHeaders);
    this.heldHeaders = undefined;
    this.inbox.listen(listener);
  }

  write(message: Uint8Array): boolean {
    const s = this.state;
    if (s.t === 'pending') {
      this.begin(message);
      return true;
    }
    if (s.t === 'done') return false;
    if (this.info.kind === 'unary' || this.info.kind === 'server-stream') {
      this.finish(makeStatus(Code.INTERNAL, `${this.info.kind} call ${this.method} takes exactly one request message`), true);
      return false;
    }
    if (s.halfClosed) return false;
    return (s.raw as grpc.ClientWritableStream<Uint8Array>).write(message);
  }

  halfClose(): void {
    const s = this.state;
    if (s.t === 'pending') {
      // No request at all: let the server answer a stream with no messages.
      this.begin(undefined, true);
      return;
    }
    if (s.t !== 'started' || s.halfClosed) return;
    s.halfClosed = true;
    if (this.info.kind === 'bidi' || this.info.kind === 'client-stream') (s.raw as grpc.ClientWritableStream<Uint8Array>).end();
  }

  cancel(reason = 'cancelled by the client'): void {
    this.finish(makeStatus(Code.CANCELLED, reason), true);
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  /** Ends the call now with `status` (the client transport is closing). */
  abort(status: Status): void {
    this.finish(status, true);
  }

  private begin(request: Uint8Array | undefined, emptyStream = false): void {
    let md: grpc.Metadata;
    try {
      md = toGrpcMetadata(this.options.metadata);
    } catch (err) {
      this.finish(statusFromError(err), true);
      return;
    }
    const opts: grpc.CallOptions = this.options.deadline === undefined ? {} : { deadline: this.options.deadline };
    const c = this.client;
    const path = this.method;
    if (!c) return;
    const onReply = (_err: grpc.ServiceError | null, value?: Buffer): void => {
      if (value) this.inbox.push(value);
    };
    let raw: RawCall;
    if (emptyStream) {
      raw = c.makeBidiStreamRequest<Uint8Array, Buffer>(path, toBuffer, identity, md, opts);
      this.readableEnded = false;
      (raw as grpc.ClientDuplexStream<Uint8Array, Buffer>).end();
    } else if (this.info.kind === 'unary') {
      raw = c.makeUnaryRequest<Uint8Array, Buffer>(path, toBuffer, identity, request!, md, opts, onReply);
    } else if (this.info.kind === 'server-stream') {
      raw = c.makeServerStreamRequest<Uint8Array, Buffer>(path, toBuffer, identity, request!, md, opts);
    } else if (this.info.kind === 'client-stream') {
      raw = c.makeClientStreamRequest<Uint8Array, Buffer>(path, toBuffer, identity, md, opts, onReply);
    } else {
      raw = c.makeBidiStreamRequest<Uint8Array, Buffer>(path, toBuffer, identity, md, opts);
    }
    this.state = { t: 'started', raw, halfClosed: emptyStream || this.info.kind === 'unary' || this.info.kind === 'server-stream' };
    const events = raw as unknown as NodeJS.EventEmitter;
    events.on('metadata', (m: grpc.Metadata) => this.onHeaders(fromGrpcMetadata(m)));
    events.on('status', (s: grpc.StatusObject) => this.onStatus(fromGrpcStatus(s)));
    events.on('error', () => undefined); // the 'status' event that follows carries it
    events.on('drain', () => this.listener?.onDrain?.());
    if (!this.readableEnded) {
      events.on('data', (m: Buffer) => this.inbox.push(m));
      events.on('end', () => {
        this.readableEnded = true;
        if (this.receivedStatus) this.finish(this.receivedStatus, false);
      });
      if (this.inbox.isPaused) (raw as grpc.ClientReadableStream<Buffer>).pause();
    }
  }

  private onHeaders(headers: Metadata): void {
    if (this.state.t === 'done') return;
    if (this.listener) this.listener.onHeaders?.(headers);
    else this.heldHeaders = headers;
  }

  private onStatus(status: Status): void {
    if (this.state.t === 'done') return;
    this.receivedStatus = status;
    if (this.readableEnded || ABRUPT.has(status.code)) this.finish(status, ABRUPT.has(status.code));
  }

  private setPaused(paused: boolean): void {
    const s = this.state;
    if (s.t !== 'started' || this.readableEnded) return;
    const readable = s.raw as grpc.ClientReadableStream<Buffer>;
    if (paused) readable.pause();
    else readable.resume();
  }

  private finish(status: Status, abrupt: boolean): void {
    const s = this.state;
    if (s.t === 'done') return;
    this.state = { t: 'done' };
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (s.t === 'started' && !this.receivedStatus) (s.raw as grpc.ClientDuplexStream<Uint8Array, Buffer>).cancel();
    if (abrupt) this.inbox.clear();
    this.inbox.end((l) => l.onStatus(status));
    this.onDone(this);
  }
}
