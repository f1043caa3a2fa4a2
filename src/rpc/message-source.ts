/**
 * An async iterator fed by a push-based transport call. It holds at most `highWater`
 * messages: at that point it pauses the call (the transport stops reading, so the peer's
 * writer slows down) and resumes once the reader has taken them. Messages are decoded as
 * they are read, so a decode error surfaces in the reader's loop.
 */
import { SwitchyardError } from '../errors.js';

/** What a {@link MessageSource} controls on its call. */
export interface SourceHooks {
  /** Stop delivering messages. */
  pause(): void;
  /** Deliver messages again. */
  resume(): void;
  /** The reader stopped early (`break`, `return()`): e.g. cancel the call. */
  onReturn?(): void;
}

/** Default number of messages held before the call is paused. */
export const DEFAULT_HIGH_WATER = 16;

type SourceState = { t: 'open' } | { t: 'ended' } | { t: 'failed'; error: SwitchyardError } | { t: 'returned' };

/** Push on one side, `for await` on the other. Iterate it once. */
export class MessageSource<T> implements AsyncIterableIterator<T> {
  private readonly buffer: Uint8Array[] = [];
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  private state: SourceState = { t: 'open' };
  private paused = false;

  constructor(
    private readonly decode: (bytes: Uint8Array) => T,
    private readonly hooks: SourceHooks,
    private readonly highWater = DEFAULT_HIGH_WATER,
  ) {}

  /** A message arrived. */
  push(bytes: Uint8Array): void {
    if (this.state.t !== 'open') return;
    const w = this.waiter;
    if (w && this.buffer.length === 0) {
      this.waiter = undefined;
      this.deliver(bytes, w);
      return;
    }
    this.buffer.push(bytes);
    if (!this.paused && this.buffer.length >= this.highWater) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  /** No more messages: the reader's loop ends after the held ones. */
  end(): void {
    if (this.state.t !== 'open') return;
    this.state = { t: 'ended' };
    this.settleWaiter();
  }

  /** The call failed: the reader's loop throws `error` after the held messages. */
  fail(error: SwitchyardError): void {
    if (this.state.t !== 'open') return;
    this.state = { t: 'failed', error };
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    const bytes = this.buffer.shift();
    if (bytes !== undefined) {
      if (this.paused && this.buffer.length <= this.highWater / 2) {
        this.paused = false;
        this.hooks.resume();
      }
      return new Promise((resolve, reject) => this.deliver(bytes, { resolve, reject }));
    }
    const s = this.state;
    if (s.t === 'failed') return Promise.reject(s.error);
    if (s.t !== 'open') return Promise.resolve({ done: true, value: undefined });
    if (this.paused) {
      this.paused = false;
      this.hooks.resume();
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    const wasOpen = this.state.t === 'open';
    this.state = { t: 'returned' };
    this.buffer.length = 0;
    this.settleWaiter();
    if (wasOpen) this.hooks.onReturn?.();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(bytes: Uint8Array, to: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void }): void {
    try {
      to.resolve({ done: false, value: this.decode(bytes) });
    } catch (err) {
      to.reject(SwitchyardError.from(err));
    }
  }

  private settleWaiter(): void {
    const w = this.waiter;
    if (!w || this.buffer.length > 0) return;
    this.waiter = undefined;
    const s = this.state;
    if (s.t === 'failed') w.reject(s.error);
    else w.resolve({ done: true, value: undefined });
  }
}
