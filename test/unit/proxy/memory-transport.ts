/**
 * An in-memory transport for the proxy's unit tests: a client call joined to a handler's
 * server call with the same semantics as the real transports (ordered delivery through
 * {@link Inbox}, a byte window with write()→false and onDrain, half-close, cancel,
 * deadline, status last). Delivery is asynchronous (a microtask), as on a socket.
 */
import { Code, SwitchyardError } from '../../../src/errors.js';
import { Inbox } from '../../../src/transport/inbox.js';
import { Lifecycle } from '../../../src/transport/lifecycle.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { status as makeStatus, type Status } from '../../../src/transport/status.js';
import type { CallHandler, CallOptions, ClientCall, ClientCallListener, ClientTransport, MethodInfo, ServerCall, ServerCallListener, TransportName } from '../../../src/transport/transport.js';

/** Window per direction, bytes. */
export const WINDOW_BYTES = 4096;

class Direction<L extends { onMessage(m: Uint8Array): void; onDrain?(): void }> {
  readonly inbox: Inbox<L>;
  inFlight = 0;
  blocked = false;
  /** Called on the writer's side when the window opens again. */
  onDrain: () => void = () => undefined;
  constructor() {
    this.inbox = new Inbox<L>({ onConsumed: (n) => this.consumed(n) });
  }
  write(m: Uint8Array): boolean {
    this.inFlight += m.byteLength;
    queueMicrotask(() => this.inbox.push(m));
    const ok = this.inFlight < WINDOW_BYTES;
    if (!ok) this.blocked = true;
    return ok;
  }
  private consumed(n: number): void {
    this.inFlight -= n;
    if (this.blocked && this.inFlight < WINDOW_BYTES) {
      this.blocked = false;
      this.onDrain();
    }
  }
}

/** Starts a call on `handler`; returns the client side. */
export function memoryCall(handler: CallHandler, info: MethodInfo, options: CallOptions = {}, transport: TransportName = 'grpc'): ClientCall {
  const req = new Direction<ServerCallListener>();
  const res = new Direction<ClientCallListener>();
  const abort = new AbortController();
  let clientListener: ClientCallListener | undefined;
  let serverListener: ServerCallListener | undefined;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (s: Status, abortServer: boolean): void => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    if (abortServer) {
      abort.abort(new SwitchyardError(s.message, { code: s.code }));
      res.inbox.clear();
    }
    queueMicrotask(() => res.inbox.end((l) => l.onStatus(s)));
  };
  req.onDrain = () => clientListener?.onDrain?.();
  res.onDrain = () => serverListener?.onDrain?.();
  const server: ServerCall = {
    method: info.path,
    kind: info.kind,
    metadata: options.metadata ?? new Metadata(),
    deadline: options.deadline,
    signal: abort.signal,
    transport,
    peer: '127.0.0.1:1',
    listen: (l) => {
      serverListener = l;
      req.inbox.listen(l);
    },
    sendHeaders: (h) => {
      if (!done) queueMicrotask(() => clientListener?.onHeaders?.(h));
    },
    write: (m) => (done ? false : res.write(m)),
    end: (s) => finish(s, false),
    pause: () => req.inbox.pause(),
    resume: () => req.inbox.resume(),
  };
  const client: ClientCall = {
    method: info.path,
    listen: (l) => {
      clientListener = l;
      res.inbox.listen(l);
    },
    write: (m) => (done ? false : req.write(m)),
    halfClose: () => queueMicrotask(() => req.inbox.end((l) => l.onHalfClose?.())),
    cancel: (reason = 'cancelled by the client') => finish(makeStatus(Code.CANCELLED, reason), true),
    pause: () => res.inbox.pause(),
    resume: () => res.inbox.resume(),
  };
  if (options.deadline !== undefined) {
    timer = setTimeout(() => finish(makeStatus(Code.DEADLINE_EXCEEDED, 'deadline exceeded'), true), Math.max(0, options.deadline - Date.now()));
  }
  options.signal?.addEventListener('abort', () => client.cancel('aborted'), { once: true });
  queueMicrotask(() => handler(server));
  return client;
}

/** A ClientTransport whose calls go straight to `handler`; `down` makes every call fail UNAVAILABLE. */
export class MemoryChannel implements ClientTransport {
  readonly name: TransportName = 'grpc';
  readonly events = new Lifecycle();
  down = false;
  started = 0;
  constructor(public handler: CallHandler) {}
  get state() {
    return this.events.state;
  }
  start(method: MethodInfo, options?: CallOptions): ClientCall {
    this.started++;
    if (this.down) return memoryCall((call) => call.end(makeStatus(Code.UNAVAILABLE, 'connection refused')), method, options);
    return memoryCall(this.handler, method, options);
  }
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Collects what a client call receives. */
export function collect(call: ClientCall): { messages: Uint8Array[]; headers: Metadata[]; status: Promise<Status> } {
  const messages: Uint8Array[] = [];
  const headers: Metadata[] = [];
  const status = new Promise<Status>((resolve) => call.listen({ onMessage: (m) => messages.push(m), onHeaders: (h) => headers.push(h), onStatus: resolve }));
  return { messages, headers, status };
}
