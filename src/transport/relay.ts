/**
 * Relaying: an optional engine capability that lets a proxy join two calls so that runs of
 * messages move from one to the other without surfacing each message to a listener.
 *
 * A call that can relay receives runs of messages as its engine read them (a WebSocket
 * message's run of MESSAGE frames of one stream, or the complete length-prefixed messages
 * of an HTTP/2 DATA chunk) and hands each run to its target, which writes it in one
 * piece: re-framed only where the two framings differ, stream ids rewritten in place.
 * The effect is exactly that of a listener doing, per message, `if (!target.write(m))
 * source.pause()`, and of the target's `onDrain` resuming the source — which is what the
 * proxy's listeners do, so both paths can be mixed freely on one call. Whatever the relay
 * cannot take (the target is not open yet, has writes queued, has no credit, the message
 * is too large, the source is paused) goes through the listeners as usual, in order.
 *
 * Only engines of this package implement it; a call that does not is simply never relayed.
 */

/** The framing of a run's bytes. */
export type RunFraming =
  /** WebSocket binary subprotocol MESSAGE frames of one stream: type u8, flags u8, stream id u32, length u32, payload. */
  | 'ws'
  /** gRPC length-prefixed messages: flag u8 (0), length u32, payload. */
  | 'grpc';

/** Bytes of a WebSocket frame header in a `ws` run. */
export const WS_RUN_HEADER_BYTES = 10;
/** Bytes of a gRPC message prefix in a `grpc` run. */
export const GRPC_RUN_PREFIX_BYTES = 5;

/** Consecutive complete messages of one call, in their wire framing. */
export interface MessageRun {
  readonly framing: RunFraming;
  /** Exactly the run's frames. May be a view into a buffer the source still uses: copy or keep, never modify. */
  readonly bytes: Uint8Array;
  /** Messages in the run (at least 1). */
  readonly count: number;
  /** Largest message payload in the run, bytes. */
  readonly maxBytes: number;
}

/** What a relay target answers. */
export type RelayResult =
  /** Written; more may follow. */
  | 'written'
  /** Written, but the target is full: the source pauses until the target's `onDrain`. */
  | 'full'
  /** Nothing written: deliver these messages through the listener instead. */
  | 'refused';

/** A call that takes runs from another call, and relays its own runs to another call. */
export interface RelayCapable {
  /** Writes a whole run, or nothing (see {@link RelayResult}). */
  relayRun(run: MessageRun): RelayResult;
  /**
   * From now on, offers runs of received messages to `target` first; `onRelayed(count)`
   * is told how many messages each relayed run carried. `undefined` stops relaying.
   */
  relayTo(target: RelayCapable | undefined, onRelayed?: (count: number) => void): void;
}

/**
 * Offers `run` to `target`. A target that throws has the error passed to `failed` (which ends
 * the offering call) and counts as `'failed'`: the run is gone either way.
 */
export function offerRun(target: RelayCapable, run: MessageRun, failed: (err: unknown) => void): RelayResult | 'failed' {
  try {
    return target.relayRun(run);
  } catch (err) {
    failed(err);
    return 'failed';
  }
}

/** True when `call` can take part in a relay. */
export function isRelayCapable(call: unknown): call is RelayCapable {
  const c = call as Partial<RelayCapable> | undefined;
  return typeof c?.relayRun === 'function' && typeof c.relayTo === 'function';
}

/** Reads a big-endian u32. */
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Writes a big-endian u32. */
function setU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Bytes `run` takes once written in `framing`. */
export function relaySize(run: MessageRun, framing: RunFraming): number {
  if (run.framing === framing) return run.bytes.byteLength;
  const perMessage = framing === 'ws' ? WS_RUN_HEADER_BYTES - GRPC_RUN_PREFIX_BYTES : GRPC_RUN_PREFIX_BYTES - WS_RUN_HEADER_BYTES;
  return run.bytes.byteLength + perMessage * run.count;
}

/**
 * Writes `run` into `out` at `at` as WebSocket MESSAGE frames of stream `streamId` (copied
 * as it is with the stream ids rewritten, or re-framed from gRPC prefixes). Returns the end offset.
 *
 * Re-framing copies the whole run once (a native bulk copy into the tail of its space in
 * `out`) and then moves each payload down to its place with `copyWithin` inside `out`: no
 * typed array is created per message, which costs more than the copy itself for small ones.
 */
export function writeRunAsWsFrames(run: MessageRun, streamId: number, out: Uint8Array, at: number): number {
  const src = run.bytes;
  const n = src.byteLength;
  if (run.framing === 'ws') {
    out.set(src, at);
    let o = at;
    const end = at + n;
    while (o < end) {
      setU32(out, o + 2, streamId);
      o += WS_RUN_HEADER_BYTES + u32(out, o + 6);
    }
    return end;
  }
  // Message k's prefix sits at or after its header's end once the run is copied this far in
  // (5 bytes more per message), so moving payloads in order never overwrites unread bytes.
  let i = at + (WS_RUN_HEADER_BYTES - GRPC_RUN_PREFIX_BYTES) * run.count;
  const end = i + n;
  out.set(src, i);
  let o = at;
  while (i < end) {
    const len = u32(out, i + 1);
    const from = i + GRPC_RUN_PREFIX_BYTES;
    out[o] = 3; // MESSAGE
    out[o + 1] = 0;
    setU32(out, o + 2, streamId);
    setU32(out, o + 6, len);
    out.copyWithin(o + WS_RUN_HEADER_BYTES, from, from + len);
    i = from + len;
    o += WS_RUN_HEADER_BYTES + len;
  }
  return o;
}

/**
 * Writes `run` into `out` at `at` as gRPC length-prefixed messages. Returns the end offset.
 * With room for the run's own size from `at` (see {@link relaySpace}), re-framing from
 * WebSocket frames copies the run once and compacts it in place; otherwise each payload is
 * copied on its own.
 */
export function writeRunAsGrpc(run: MessageRun, out: Uint8Array, at: number): number {
  const src = run.bytes;
  const n = src.byteLength;
  if (run.framing === 'grpc') {
    out.set(src, at);
    return at + n;
  }
  if (out.byteLength - at >= n) {
    // Message k's header starts 5 bytes per earlier message after its prefix's place.
    out.set(src, at);
    let i = at;
    let o = at;
    const end = at + n;
    while (i < end) {
      const len = u32(out, i + 6);
      const from = i + WS_RUN_HEADER_BYTES;
      out[o] = 0;
      setU32(out, o + 1, len);
      out.copyWithin(o + GRPC_RUN_PREFIX_BYTES, from, from + len);
      i = from + len;
      o += GRPC_RUN_PREFIX_BYTES + len;
    }
    return o;
  }
  const ab = src.buffer;
  const base = src.byteOffset;
  let i = 0;
  let o = at;
  while (i < n) {
    const len = u32(src, i + 6);
    out[o] = 0;
    setU32(out, o + 1, len);
    out.set(new Uint8Array(ab, base + i + WS_RUN_HEADER_BYTES, len), o + GRPC_RUN_PREFIX_BYTES);
    i += WS_RUN_HEADER_BYTES + len;
    o += GRPC_RUN_PREFIX_BYTES + len;
  }
  return o;
}

/** Bytes {@link writeRunAsGrpc} may use while writing `run` (its result may be shorter, see {@link relaySize}). */
export function relaySpace(run: MessageRun, framing: RunFraming): number {
  return Math.max(run.bytes.byteLength, relaySize(run, framing));
}
