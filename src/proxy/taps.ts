/** Combining the taps of one call (shadow and capture). */
import type { Status } from '../transport/status.js';
import type { CallTap } from './proxied-call.js';

/** One tap that feeds both; undefined when neither exists. */
export function combineTaps(a: CallTap | undefined, b: CallTap | undefined): CallTap | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    request(m) {
      a.request(m);
      b.request(m);
    },
    response(m) {
      a.response(m);
      b.response(m);
    },
    halfClose() {
      a.halfClose();
      b.halfClose();
    },
    end(s: Status) {
      const pa = a.end(s);
      const pb = b.end(s);
      if (!pa) return pb;
      if (!pb) return pa;
      return Promise.all([pa, pb]).then(() => undefined);
    },
  };
}
