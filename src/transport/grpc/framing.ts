/**
 * gRPC message framing: each message is a 5-byte prefix (compressed flag, 32-bit big-endian
 * length) followed by the message bytes.
 *
 * {@link FrameDecoder} parses prefixes straight out of HTTP/2 DATA chunks: a message that
 * lies wholly inside a chunk is handed on as a view of it (no copy); one split across chunks
 * is assembled in a buffer of exactly its size. Many messages per chunk and prefixes split
 * across chunks are both handled. A sink with `onRun` (relaying, see `../relay.ts`) gets the
 * whole messages of a chunk as one run instead, when it is ready for them.
 */
import { fail, type SwitchyardError } from '../../errors.js';

/** Length of the message prefix. */
export const PREFIX_BYTES = 5;

/** Where a decoder delivers what it parses. */
export interface FrameSink {
  /** A complete message. */
  onMessage(message: Uint8Array): void;
  /** The input was malformed or too large; the decoder stops. */
  onFrameError(error: SwitchyardError): void;
  /** Optional: true when a run of whole messages may be handed to {@link onRun} now. */
  runReady?(): boolean;
  /**
   * Optional: complete, valid messages `chunk[from, to)` (prefixes included), `count` of
   * them, the largest `maxBytes`. Returns false to have them delivered one by one instead.
   */
  onRun?(chunk: Buffer, from: number, to: number, count: number, maxBytes: number): boolean;
}

/** Parses length-prefixed messages from a stream of chunks. */
export class FrameDecoder {
  private readonly prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  private prefixFill = 0;
  private body: Buffer | undefined;
  private bodyFill = 0;
  private stopped = false;
  /** Total bytes consumed, for error messages. */
  private offset = 0;

  /**
   * @param maxMessageBytes larger messages fail with TRANSPORT_MESSAGE_TOO_LARGE before any
   *   of their bytes are buffered.
   * @param sink receives messages and errors.
   */
  constructor(
    private readonly maxMessageBytes: number,
    private readonly sink: FrameSink,
  ) {}

  /** True when input ended in the middle of a prefix or message. */
  get midMessage(): boolean {
    return this.prefixFill > 0 || this.body !== undefined;
  }

  /** Describes a partial message, for the error when the stream ends inside it. */
  describePartial(): string {
    if (this.body) return `stream ended inside a message: got ${this.bodyFill} of ${this.body.length} bytes`;
    return `stream ended inside a message prefix: got ${this.prefixFill} of ${PREFIX_BYTES} bytes`;
  }

  /** Stops parsing; later chunks are ignored. */
  stop(): void {
    this.stopped = true;
    this.body = undefined;
  }

  /** Feeds one chunk. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let off = 0;
    let runs = this.sink.onRun !== undefined;
    while (off < n && !this.stopped) {
      if (this.body !== undefined) {
        off = this.fillBody(chunk, off);
        continue;
      }
      if (runs && this.prefixFill === 0) {
        const next = this.run(chunk, off);
        if (next > off) {
          off = next;
          continue;
        }
        runs = false;
      }
      let flag: number;
      let length: number;
      if (this.prefixFill === 0 && n - off >= PREFIX_BYTES) {
        flag = chunk[off]!;
        length = chunk.readUInt32BE(off + 1);
        off += PREFIX_BYTES;
      } else {
        const take = Math.min(PREFIX_BYTES - this.prefixFill, n - off);
        chunk.copy(this.prefix, this.prefixFill, off, off + take);
        this.prefixFill += take;
        off += take;
        if (this.prefixFill < PREFIX_BYTES) break;
        this.prefixFill = 0;
        flag = this.prefix[0]!;
        length = this.prefix.readUInt32BE(1);
      }
      if (!this.checkPrefix(flag, length)) return;
      this.offset += PREFIX_BYTES;
      if (n - off >= length) {
        const message = chunk.subarray(off, off + length);
        off += length;
        this.offset += length;
        this.sink.onMessage(message);
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
    }
  }

  /** Offers the whole valid messages from `off` on as one run; returns where the run ended (`off`: none taken). */
  private run(chunk: Buffer, off: number): number {
    if (!this.sink.runReady!()) return off;
    const n = chunk.length;
    const max = this.maxMessageBytes;
    let o = off;
    let count = 0;
    let maxBytes = 0;
    while (n - o >= PREFIX_BYTES) {
      const length = ((chunk[o + 1]! << 24) | (chunk[o + 2]! << 16) | (chunk[o + 3]! << 8) | chunk[o + 4]!) >>> 0;
      if (chunk[o] !== 0 || length > max || length > n - o - PREFIX_BYTES) break;
      o += PREFIX_BYTES + length;
      count++;
      if (length > maxBytes) maxBytes = length;
    }
    if (count === 0 || !this.sink.onRun!(chunk, off, o, count, maxBytes)) return off;
    this.offset += o - off;
    return o;
  }

  private fillBody(chunk: Buffer, off: number): number {
    const body = this.body!;
    const take = Math.min(body.length - this.bodyFill, chunk.length - off);
    chunk.copy(body, this.bodyFill, off, off + take);
    this.bodyFill += take;
    if (this.bodyFill === body.length) {
      this.body = undefined;
      this.offset += body.length;
      this.sink.onMessage(body);
    }
    return off + take;
  }

  private checkPrefix(flag: number, length: number): boolean {
    if (flag === 1) {
      return this.error(
        fail('TRANSPORT_COMPRESSED_MESSAGE', `message at byte ${this.offset} has the compressed flag set, but no compression was negotiated (grpc-encoding: identity)`),
      );
    }
    if (flag !== 0) {
      return this.error(fail('TRANSPORT_PROTOCOL_ERROR', `malformed gRPC frame at byte ${this.offset}: flag byte 0x${flag.toString(16).padStart(2, '0')} is neither 0 nor 1`));
    }
    if (length > this.maxMessageBytes) {
      return this.error(fail('TRANSPORT_MESSAGE_TOO_LARGE', `received a message of ${length} bytes, larger than the maximum of ${this.maxMessageBytes}`));
    }
    return true;
  }

  private error(err: SwitchyardError): false {
    this.stop();
    this.sink.onFrameError(err);
    return false;
  }
}

/** Writes a message prefix into `into` at `at`. */
export function writePrefix(into: Buffer, at: number, length: number): void {
  into[at] = 0;
  into.writeUInt32BE(length, at + 1);
}

/** One framed message in a fresh buffer (for tests and raw clients). */
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + message.byteLength);
  writePrefix(out, 0, message.byteLength);
  out.set(message, PREFIX_BYTES);
  return out;
}
