/**
 * A `BENCH_PRELOAD` module (diagnosis): counts this process's system calls and context
 * switches from /proc (Linux), so the bench reports them per round trip next to the CPU
 * time (`countersPerRoundTrip` of the proxied path and of `alternative`).
 *
 *     BENCH_PRELOAD=bench/proxy/proc-counters.ts npm run bench:proxy -- --json ...
 *
 * `syscr` / `syscw`: read-type and write-type system calls (read, readv, recvmsg / write,
 * writev, sendmsg); `vcsw` / `ivcsw`: voluntary (the process slept) and involuntary
 * context switches. Each read of a counter gives the change since the bench last reset it.
 */
import { readFileSync } from 'node:fs';

function sample(): Record<string, number> {
  const io = readFileSync('/proc/self/io', 'utf8');
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { syscr: field(io, 'syscr'), syscw: field(io, 'syscw'), vcsw: field(status, 'voluntary_ctxt_switches'), ivcsw: field(status, 'nonvoluntary_ctxt_switches') };
}

let base = sample();
const counters: Record<string, number> = {};
for (const key of Object.keys(base)) {
  // roles.ts reads every counter, then sets each to 0: the set moves the baseline.
  Object.defineProperty(counters, key, {
    enumerable: true,
    get: () => sample()[key]! - base[key]!,
    set: () => {
      base = sample();
    },
  });
}
(globalThis as { __benchCounters?: Record<string, number> }).__benchCounters = counters;
