/**
 * The send side of one HTTP/2 stream: frames messages and hands them to the stream in as
 * few writes as possible.
 *
 * Messages written in the same event-loop turn are flushed together on `setImmediate` (right
 * after the I/O phase, so everything the messages of one socket read cause is sent in one
 * go; `process.nextTick` would flush once per HTTP/2 DATA frame, which is once per message
 * from a grpc-js peer). Small messages are copied with their prefixes into one buffer (one
 * `http2stream.write` instead of one per message); large ones are written as they are, after
 * a prefix, without a copy. Message bytes must therefore not be changed after `write()`.
 *
 * Backpressure: `write()` returns false once the bytes waiting here plus the stream's own
 * buffer reach `highWaterMark` (they grow when the peer's HTTP/2 window is exhausted); the
 * drain callback runs once they fall below it again.
 */
import type { Duplex } from 'node:stream';
import { PREFIX_BYTES, writePrefix } from './framing.js';
import { relaySpace, writeRunAsGrpc, type MessageRun } from '../relay.js';

/** Bytes buffered per stream before `write()` returns false. */
export const DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;

/** Messages at least this large are written without copying. */
export const COPY_LIMIT_BYTES = 8 * 1024;

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function flushTick(writer: FrameWriter): void {
  writer.flush();
}

/** Coalescing, backpressure-aware message writer for one stream. */
export class FrameWriter {
  private target: Duplex | undefined;
  private parts: Uint8Array[] = [];
  /** Per part: true when queued by {@link writeFramed} (already framed, no prefix to add). */
  private framed: boolean[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private needDrain = false;
  private closed = false;
  private readonly onStreamDrain = (): void => this.checkDrain();

  /**
   * @param onDrain called after `write()` returned false, once writing may go on.
   * @param highWaterMark see {@link DEFAULT_WRITE_HIGH_WATER_MARK}.
   */
  constructor(
    private readonly onDrain: () => void,
    private readonly highWaterMark: number = DEFAULT_WRITE_HIGH_WATER_MARK,
  ) {}

  /** Connects the stream; messages written before are flushed to it. */
  attach(target: Duplex): void {
    if (this.closed) return;
    this.target = target;
    target.on('drain', this.onStreamDrain);
    if (this.parts.length > 0) this.schedule();
  }

  /** Queues one message. Returns false when the caller should wait for the drain callback. */
  write(message: Uint8Array): boolean {
    if (this.closed) return false;
    this.parts.push(message);
    this.framed.push(false);
    this.pendingBytes += PREFIX_BYTES + message.byteLength;
    this.schedule();
    if (this.buffered() < this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  /**
   * Queues bytes that are already framed (whole length-prefixed messages, from a relay).
   * Returns false when the caller should wait for the drain callback.
   */
  writeFramed(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.parts.push(bytes);
    this.framed.push(true);
    this.pendingBytes += bytes.byteLength;
    this.schedule();
    if (this.buffered() < this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  /** Queues a relayed run (re-framed from WebSocket frames when needed); see {@link writeFramed}. */
  writeRun(run: MessageRun): boolean {
    if (run.framing === 'grpc') return this.writeFramed(run.bytes);
    // Room for the run's own size lets the re-framing compact it in place (see relay.ts).
    const out = Buffer.allocUnsafe(relaySpace(run, 'grpc'));
    return this.writeFramed(out.subarray(0, writeRunAsGrpc(run, out, 0)));
  }

  /** Bytes queued here and in the stream's buffer. */
  buffered(): number {
    return this.pendingBytes + (this.target ? this.target.writableLength : 0);
  }

  /** Stops writing and drops what is queued (the call ended). */
  close(): void {
    this.closed = true;
    this.parts = [];
    this.framed = [];
    this.pendingBytes = 0;
    this.target?.off('drain', this.onStreamDrain);
  }

  /** Hands every queued message to the stream now. */
  flush(): void {
    this.scheduled = false;
    const t = this.target;
    if (!t || this.closed || this.parts.length === 0) return;
    const parts = this.parts;
    const framed = this.framed;
    this.parts = [];
    this.framed = [];
    this.pendingBytes = 0;
    if (t.destroyed || t.writableEnded) return;
    const ok = writeParts(t, parts, framed);
    if (this.needDrain && ok) this.checkDrain();
  }

  private schedule(): void {
    if (this.scheduled || !this.target) return;
    this.scheduled = true;
    setImmediate(flushTick, this);
  }

  private checkDrain(): void {
    if (!this.needDrain || this.closed || this.buffered() >= this.highWaterMark) return;
    this.needDrain = false;
    this.onDrain();
  }
}

/**
 * Writes the parts: runs of small ones copied into one buffer (messages with their
 * prefixes; `framed` parts as they are), large ones as views after their prefix. A lone
 * framed part (a relayed run, the usual case per stream and turn) is written as it is.
 */
function writeParts(t: Duplex, parts: Uint8Array[], framed: readonly boolean[]): boolean {
  if (parts.length === 1 && framed[0]) return t.write(asBuffer(parts[0]!));
  let ok = true;
  let corked = false;
  let i = 0;
  while (i < parts.length) {
    let size = 0;
    let j = i;
    while (j < parts.length && parts[j]!.byteLength < COPY_LIMIT_BYTES) {
      size += (framed[j] ? 0 : PREFIX_BYTES) + parts[j]!.byteLength;
      j++;
    }
    const large = j < parts.length ? parts[j] : undefined;
    const largePrefix = large !== undefined && !framed[j];
    if (largePrefix) size += PREFIX_BYTES;
    if (large && !corked) {
      t.cork();
      corked = true;
    }
    if (size > 0) {
      const buf = Buffer.allocUnsafe(size);
      let at = 0;
      for (let k = i; k < j; k++) {
        const m = parts[k]!;
        if (framed[k]) {
          buf.set(m, at);
          at += m.byteLength;
          continue;
        }
        writePrefix(buf, at, m.byteLength);
        buf.set(m, at + PREFIX_BYTES);
        at += PREFIX_BYTES + m.byteLength;
      }
      if (largePrefix) writePrefix(buf, at, large.byteLength);
      ok = t.write(buf);
    }
    if (large) ok = t.write(asBuffer(large));
    i = large ? j + 1 : j;
  }
  if (corked) t.uncork();
  return ok;
}
