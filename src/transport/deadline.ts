/**
 * Deadlines, shared by the gRPC and WebSocket transports and the proxy.
 *
 * A deadline is an absolute time in epoch milliseconds. On the wire gRPC carries a relative
 * `grpc-timeout` (at most 8 digits and a unit: `H` hours, `M` minutes, `S` seconds,
 * `m` milliseconds, `u` microseconds, `n` nanoseconds); the WebSocket open frame carries
 * milliseconds. These helpers convert between them and run timers that survive deadlines
 * further away than `setTimeout`'s 24.8-day limit.
 */

/** The largest delay `setTimeout` honours (2^31 - 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['m', 1],
  ['S', 1_000],
  ['M', 60_000],
  ['H', 3_600_000],
];

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;

/**
 * Formats a relative timeout as a `grpc-timeout` value, in the finest unit that fits in
 * 8 digits (rounded up, so the peer never sees a shorter timeout than ours). Negative
 * timeouts are sent as `0m`.
 */
export function formatGrpcTimeout(timeoutMs: number): string {
  const ms = Math.max(0, timeoutMs);
  for (const [unit, factor] of UNITS) {
    const amount = Math.ceil(ms / factor);
    if (amount < 1e8) return `${amount}${unit}`;
  }
  return '99999999H';
}

/**
 * Parses a `grpc-timeout` value into milliseconds (fractions kept for `u` and `n`).
 * Returns `undefined` for anything malformed (the caller decides the status).
 */
export function parseGrpcTimeout(value: string): number | undefined {
  const m = TIMEOUT_PATTERN.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The `grpc-timeout` value for an absolute deadline, measured from `now`. */
export function grpcTimeoutFor(deadline: number, now: number = Date.now()): string {
  return formatGrpcTimeout(deadline - now);
}

/** The absolute deadline for a relative timeout received at `now`. */
export function deadlineFromTimeout(timeoutMs: number, now: number = Date.now()): number {
  return now + timeoutMs;
}

/** Milliseconds left until `deadline` (negative once it has passed). */
export function remainingMs(deadline: number, now: number = Date.now()): number {
  return deadline - now;
}

/** The earliest of several optional deadlines (`undefined` when none is set). */
export function earliestDeadline(...deadlines: Array<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const d of deadlines) if (d !== undefined && (best === undefined || d < best)) best = d;
  return best;
}

/** A pending deadline timer. */
export interface DeadlineTimer {
  /** Stops the timer; the callback will not run. */
  clear(): void;
}

/**
 * Runs `onExpired` once `deadline` has passed (at once, asynchronously, when it already has).
 * Deadlines beyond {@link MAX_TIMER_MS} are chained through several timers. Timers are
 * unref'd, so a pending deadline alone never keeps the process alive.
 */
export function startDeadlineTimer(deadline: number, onExpired: () => void, now: () => number = Date.now): DeadlineTimer {
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (first: boolean): void => {
    if (cleared) return;
    const left = deadline - now();
    if (left <= 0 && !first) {
      onExpired();
      return;
    }
    handle = setTimeout(() => arm(false), Math.min(Math.max(left, 0), MAX_TIMER_MS));
    handle.unref?.();
  };
  arm(true);
  return {
    clear() {
      cleared = true;
      if (handle) clearTimeout(handle);
    },
  };
}
