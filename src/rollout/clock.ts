/** Time for the controller: the system clock in production, a fake one in tests. */

/** A clock. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms` (or at once when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The system clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  /** Moves time forward, waking sleepers whose time came. */
  advance(ms: number): void;
  /** Sets the time (never backwards). */
  set(ms: number): void;
}

/** A fake clock starting at `startMs` (default 1_700_000_000_000). */
export function createFakeClock(startMs = 1_700_000_000_000): FakeClock {
  let now = startMs;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  const wakeDue = (): void => {
    for (let i = sleepers.length - 1; i >= 0; i--) {
      if (sleepers[i]!.at <= now) sleepers.splice(i, 1)[0]!.wake();
    }
  };
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted || ms <= 0) return resolve();
        const entry = { at: now + ms, wake: () => resolve() };
        sleepers.push(entry);
        signal?.addEventListener('abort', () => {
          const i = sleepers.indexOf(entry);
          if (i >= 0) sleepers.splice(i, 1);
          resolve();
        }, { once: true });
      }),
    advance(ms) {
      now += ms;
      wakeDue();
    },
    set(ms) {
      now = Math.max(now, ms);
      wakeDue();
    },
  };
}
