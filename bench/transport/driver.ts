/** The pipelined echo loop and its statistics: a bounded number of messages in flight, RTT per sequence number. */
import type { EchoLink } from './variants.js';

/** What one measured run produced. */
export interface RunResult {
  count: number;
  elapsedMs: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The last echo, to check it came back intact. */
  last: Uint8Array | undefined;
}

/**
 * Sends `count` copies of `message`, keeping at most `inflight` unanswered. The echo of
 * sequence number k is the k-th message back (one ordered stream), so its round trip is
 * now − the send time of k.
 */
export function drive(link: EchoLink, message: Uint8Array, count: number, inflight: number): Promise<RunResult> {
  const sentAt = new Float64Array(count);
  const rtt = new Float64Array(count);
  let sent = 0;
  let received = 0;
  let blocked = false;
  let last: Uint8Array | undefined;
  const start = performance.now();
  return new Promise((resolve) => {
    const pump = (): void => {
      while (!blocked && sent < count && sent - received < inflight) {
        sentAt[sent] = performance.now();
        sent++;
        if (!link.send(message)) blocked = true;
      }
    };
    link.setReceiver({
      onMessage(m) {
        rtt[received] = performance.now() - sentAt[received]!;
        received++;
        if (received === count) {
          last = m;
          const elapsedMs = performance.now() - start;
          rtt.sort();
          resolve({ count, elapsedMs, msgsPerSec: count / (elapsedMs / 1000), p50Ms: quantile(rtt, 0.5), p99Ms: quantile(rtt, 0.99), last });
          return;
        }
        pump();
      },
      onDrain() {
        blocked = false;
        pump();
      },
    });
    pump();
  });
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
