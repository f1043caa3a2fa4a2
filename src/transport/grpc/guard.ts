/**
 * Guards listener callbacks: an exception thrown by a handler's or caller's listener must not
 * escape into node:http2's event machinery (where it would crash the process). It is
 * reported to `onError` instead, which ends the call.
 */

const CALLBACKS = ['onHeaders', 'onMessage', 'onHalfClose', 'onStatus', 'onDrain'] as const;

/** A copy of `listener` whose callbacks report exceptions to `onError` instead of throwing. */
export function guardListener<L extends object>(listener: L, onError: (err: unknown) => void): L {
  const guarded = { ...listener } as Record<string, unknown>;
  const source = listener as Record<string, unknown>;
  for (const name of CALLBACKS) {
    const fn = source[name];
    if (typeof fn !== 'function') continue;
    guarded[name] = (arg: unknown): void => {
      try {
        (fn as (a: unknown) => void).call(listener, arg);
      } catch (err) {
        onError(err);
      }
    };
  }
  return guarded as L;
}
