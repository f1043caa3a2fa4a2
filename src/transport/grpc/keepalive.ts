/**
 * Keepalive over HTTP/2 PING, used by both ends: every `intervalMs` a PING is sent; a peer
 * that has not acknowledged it within `timeoutMs` is considered dead (a frozen process, a
 * dropped link) and `onDead` runs once.
 */
import type { Http2Session } from 'node:http2';
import { DEFAULT_HEARTBEAT, type HeartbeatOptions } from '../lifecycle.js';

/** A running keepalive. */
export interface Keepalive {
  /** Stops pinging. */
  stop(): void;
}

/** Resolves heartbeat options against the defaults. */
export function heartbeatSettings(options: HeartbeatOptions | undefined): Required<HeartbeatOptions> {
  const o = { ...DEFAULT_HEARTBEAT, ...options };
  if (!(o.intervalMs >= 0) || !(o.timeoutMs > 0)) throw new RangeError(`heartbeat intervalMs must be >= 0 and timeoutMs > 0 (got ${o.intervalMs}, ${o.timeoutMs})`);
  return o;
}

/** Starts pinging `session`; does nothing when `intervalMs` is 0. */
export function startKeepalive(session: Http2Session, options: Required<HeartbeatOptions>, onDead: (waitedMs: number) => void): Keepalive {
  if (options.intervalMs === 0) return { stop() {} };
  let waiting: NodeJS.Timeout | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    clearInterval(interval);
    if (waiting) clearTimeout(waiting);
  };
  const interval = setInterval(() => {
    if (stopped || waiting || session.destroyed) return;
    const sentAt = Date.now();
    waiting = setTimeout(() => {
      if (stopped) return;
      stop();
      onDead(Date.now() - sentAt);
    }, options.timeoutMs);
    waiting.unref();
    try {
      session.ping((err) => {
        if (err || stopped) return;
        if (waiting) clearTimeout(waiting);
        waiting = undefined;
      });
    } catch {
      // Session closing; the close handler takes over.
    }
  }, options.intervalMs);
  interval.unref();
  session.once('close', stop);
  return { stop };
}
