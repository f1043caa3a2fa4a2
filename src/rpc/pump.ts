/**
 * Writes an (async) iterable of messages to a push-based call, pulling the next message only
 * when the call's `write()` allowed it (otherwise after its `onDrain`).
 */

/** Resolves waiters when the call can take more writes, or when it ended. */
export class DrainGate {
  private waiters: Array<() => void> = [];
  private closed = false;

  /** Waits for the next drain (or the end of the call). */
  wait(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The call can take writes again. */
  drain(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** The call ended: every waiter (now and later) resumes at once. */
  close(): void {
    this.closed = true;
    this.drain();
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }
}

/** Where {@link pump} writes. */
export interface PumpTarget {
  /** Sends one message; false means wait for the gate. */
  write(bytes: Uint8Array): boolean;
  /** Signals drains and the end of the call. */
  gate: DrainGate;
}

/**
 * Pulls messages from `source`, encodes and writes them until the source ends (resolves
 * true) or the call ends first (resolves false, and the source's iterator is returned so
 * generators run their `finally`). Errors thrown by the source or the encoder reject.
 */
export async function pump<T>(source: AsyncIterable<T> | Iterable<T>, encode: (value: T) => Uint8Array, target: PumpTarget): Promise<boolean> {
  const iterator: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  let finished = false;
  try {
    for (;;) {
      if (target.gate.isClosed) return false;
      const r = await iterator.next();
      if (r.done) {
        finished = true;
        return true;
      }
      if (target.gate.isClosed) return false;
      if (!target.write(encode(r.value))) await target.gate.wait();
    }
  } finally {
    if (!finished) {
      // Do not wait: a generator suspended in an await only returns once that await settles.
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }
}
