/**
 * The client side of one RPC over a push-based transport call, shared by the four call
 * kinds: response messages as a {@link MessageSource} (pausing the call when unread), a
 * drain gate for writes, and promises of the headers and the status.
 */
import { Code } from '../errors.js';
import { Metadata } from '../transport/metadata.js';
import { errorFromStatus, status as makeStatus, statusFromError, type Status } from '../transport/status.js';
import type { ClientCall, ClientTransport, MethodInfo } from '../transport/transport.js';
import { toMetadata } from './context.js';
import { MessageSource } from './message-source.js';
import { DrainGate } from './pump.js';
import type { RpcCallOptions } from './types.js';

/** What an exchange is started with. */
export interface ExchangeSetup {
  transport: ClientTransport | Promise<ClientTransport>;
  method: MethodInfo;
  decodeResponse(bytes: Uint8Array): unknown;
  options: RpcCallOptions;
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The absolute deadline from per-call options. */
export function deadlineOf(o: RpcCallOptions): number | undefined {
  if (o.deadline !== undefined) return o.deadline instanceof Date ? o.deadline.getTime() : o.deadline;
  return o.timeoutMs === undefined ? undefined : Date.now() + o.timeoutMs;
}

/** One client call in progress. */
export class Exchange {
  readonly responses: MessageSource<unknown>;
  readonly gate = new DrainGate();
  /** Resolves with the started call, or undefined when it ended before starting. */
  readonly ready: Promise<ClientCall | undefined>;
  private readonly headersD = deferred<Metadata>();
  private readonly statusD = deferred<Status>();
  private call: ClientCall | undefined;
  private paused = false;
  private ended = false;
  private readonly deadline: number | undefined;

  constructor(private readonly setup: ExchangeSetup) {
    this.deadline = deadlineOf(setup.options);
    this.responses = new MessageSource<unknown>(setup.decodeResponse, {
      pause: () => {
        this.paused = true;
        this.call?.pause();
      },
      resume: () => {
        this.paused = false;
        this.call?.resume();
      },
      onReturn: () => this.cancel('the caller stopped reading the responses'),
    });
    this.ready = this.start();
  }

  /** Response headers (empty when the call ended without any). */
  get headers(): Promise<Metadata> {
    return this.headersD.promise;
  }

  /** The end status, whatever the code. */
  get status(): Promise<Status> {
    return this.statusD.promise;
  }

  /** True once the call has a status. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Cancels the call (CANCELLED on both ends); no effect once ended. */
  cancel(reason = 'cancelled by the caller'): void {
    if (this.ended) return;
    if (this.call) this.call.cancel(reason);
    else this.end(makeStatus(Code.CANCELLED, reason));
  }

  /** Fails the call with a local error (a request that cannot be encoded, a throwing request iterable). */
  abortWith(error: unknown): void {
    if (this.ended) return;
    const s = statusFromError(error);
    this.responses.fail(errorFromStatus(s));
    this.cancel(s.message);
  }

  private async start(): Promise<ClientCall | undefined> {
    let transport: ClientTransport;
    try {
      transport = await this.setup.transport;
    } catch (err) {
      this.end(statusFromError(err));
      return undefined;
    }
    if (this.ended) return undefined;
    const o = this.setup.options;
    const deadline = this.deadline;
    const call = transport.start(this.setup.method, {
      ...(o.metadata ? { metadata: toMetadata(o.metadata) } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    this.call = call;
    if (this.paused) call.pause();
    call.listen({
      onHeaders: (h) => this.headersD.resolve(h),
      onMessage: (m) => this.responses.push(m),
      onStatus: (s) => this.end(s),
      onDrain: () => this.gate.drain(),
    });
    return this.ended ? undefined : call;
  }

  private end(s: Status): void {
    if (this.ended) return;
    this.ended = true;
    this.gate.close();
    this.headersD.resolve(new Metadata());
    this.statusD.resolve(s);
    if (s.code === Code.OK) this.responses.end();
    else this.responses.fail(errorFromStatus(s));
  }
}
