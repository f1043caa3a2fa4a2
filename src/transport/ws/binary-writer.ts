/**
 * Encodes binary frames and coalesces them into WebSocket messages of up to `batchBytes`.
 * A batch goes out at the next microtask checkpoint once it holds `eagerFlushBytes`, so a
 * large batch written in one callback leaves at once; smaller ones wait for the end of the
 * event-loop turn (`setImmediate`, Node) and coalesce with what the turn's other callbacks
 * write — HTTP/2 delivers each DATA frame in its own callback, so a relay from a gRPC
 * listener would otherwise send one small WebSocket message per stream. Browsers flush on
 * every microtask checkpoint.
 *
 * Frames are written straight into a large chunk; a flush sends a view of the bytes written
 * since the last flush and never touches them again, so nothing is copied twice and the
 * chunk is only replaced when full. A message payload is copied exactly once (into the chunk).
 */
import { Code, SwitchyardError, fail } from '../../errors.js';
import { Metadata } from '../metadata.js';
import type { Status } from '../status.js';
import { allocBytes, utf8Length, writeU16, writeU32, writeUtf8 } from './bytes.js';
import { FLAG_HAS_TIMEOUT, FrameType, HEADER_BYTES, MAX_CONTROL_FRAME_BYTES, type FrameSink, type Settings } from './frames.js';
import { metadataSize, writeMetadata } from './metadata-codec.js';
import { relaySize, writeRunAsWsFrames, type MessageRun } from '../relay.js';

/** Options for {@link BinaryFrameWriter}. */
export interface BinaryWriterOptions {
  /**
   * Largest buffer chunk frames are written into. Chunks start at 16 KiB and double (up to
   * this) while batches fill them, so idle connections hold little. Default 256 KiB.
   */
  chunkBytes?: number;
  /** Largest coalesced WebSocket message (a single larger frame is sent alone). Default 64 KiB. */
  batchBytes?: number;
  /**
   * A batch at least this large goes out at the next microtask checkpoint; smaller ones wait
   * for the end of the event-loop turn (Node) to coalesce with what later callbacks of the
   * same turn write. Default 16 KiB.
   */
  eagerFlushBytes?: number;
}

const EMPTY = new Uint8Array(0);
const MAX_STATUS_MESSAGE_CHARS = 16_384;

/** `setImmediate` where there is one (Node); browsers flush on microtasks only. */
const immediate: ((task: () => void) => void) | undefined = typeof setImmediate === 'function' ? (task) => void setImmediate(task) : undefined;

/** Writes binary frames to a WebSocket `send` function. */
export class BinaryFrameWriter implements FrameSink {
  private buf: Uint8Array = EMPTY;
  private start = 0;
  private pos = 0;
  private microtaskScheduled = false;
  private immediateScheduled = false;
  private nextChunk: number;
  private readonly chunkBytes: number;
  private readonly batchBytes: number;
  private readonly eagerFlushBytes: number;
  private readonly microtaskFlush = (): void => {
    this.microtaskScheduled = false;
    if (this.pos - this.start >= this.eagerFlushBytes) this.flush();
  };
  private readonly immediateFlush = (): void => {
    this.immediateScheduled = false;
    this.flush();
  };

  constructor(
    private readonly send: (data: Uint8Array) => void,
    options: BinaryWriterOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.batchBytes = options.batchBytes ?? 64 * 1024;
    this.nextChunk = Math.min(16 * 1024, this.chunkBytes);
    this.eagerFlushBytes = immediate ? (options.eagerFlushBytes ?? 16 * 1024) : 0;
  }

  /** Sends the frames written since the last flush as one WebSocket message. */
  flush(): void {
    if (this.pos === this.start) return;
    const data = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    this.send(data);
  }

  /** Reserves `size` bytes (flushing or growing as needed) and schedules a flush; returns their offset. */
  private reserve(size: number): number {
    if (this.pos > this.start && this.pos - this.start + size > this.batchBytes) this.flush();
    if (this.pos + size > this.buf.length) {
      this.flush();
      if (this.buf.length < this.chunkBytes && this.buf.length > 0) this.nextChunk = Math.min(this.chunkBytes, this.buf.length * 2);
      this.buf = allocBytes(Math.max(this.nextChunk, size));
      this.start = this.pos = 0;
    }
    if (!this.microtaskScheduled) {
      this.microtaskScheduled = true;
      queueMicrotask(this.microtaskFlush);
    }
    if (!this.immediateScheduled && immediate) {
      this.immediateScheduled = true;
      immediate(this.immediateFlush);
    }
    const o = this.pos;
    this.pos = o + size;
    return o;
  }

  /** Reserves a frame and writes its header; returns the payload offset. */
  private frame(type: number, flags: number, streamId: number, payloadBytes: number): number {
    const o = this.reserve(HEADER_BYTES + payloadBytes);
    const b = this.buf;
    b[o] = type;
    b[o + 1] = flags;
    writeU32(b, o + 2, streamId);
    writeU32(b, o + 6, payloadBytes);
    return o + HEADER_BYTES;
  }

  /** Writes a relayed run of messages as MESSAGE frames of `streamId` (one copy); returns its flow-control cost. */
  run(streamId: number, run: MessageRun): number {
    const size = relaySize(run, 'ws');
    const at = this.reserve(size); // may replace this.buf
    writeRunAsWsFrames(run, streamId, this.buf, at);
    return size;
  }

  message(streamId: number, message: Uint8Array): number {
    const len = message.byteLength;
    const o = this.frame(FrameType.MESSAGE, 0, streamId, len);
    this.buf.set(message, o);
    return HEADER_BYTES + len;
  }

  settings(s: Settings): void {
    const o = this.frame(FrameType.SETTINGS, 0, 0, 12);
    writeU32(this.buf, o, s.maxMessageBytes);
    writeU32(this.buf, o + 4, s.initialWindow);
    writeU32(this.buf, o + 8, s.maxConcurrentStreams);
  }

  /** Throws RESOURCE_EXHAUSTED when the metadata does not fit in one frame. */
  open(streamId: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void {
    const methodLen = utf8Length(method);
    const size = 6 + methodLen + metadataSize(metadata);
    checkControlSize('OPEN', size);
    const o = this.frame(FrameType.OPEN, timeoutMs === undefined ? 0 : FLAG_HAS_TIMEOUT, streamId, size);
    writeU32(this.buf, o, timeoutMs === undefined ? 0 : Math.min(0xffff_ffff, Math.max(0, Math.ceil(timeoutMs))));
    writeU16(this.buf, o + 4, methodLen);
    writeUtf8(method, this.buf, o + 6);
    writeMetadata(metadata, this.buf, o + 6 + methodLen);
  }

  halfClose(streamId: number): void {
    this.frame(FrameType.HALF_CLOSE, 0, streamId, 0);
  }

  /** Throws RESOURCE_EXHAUSTED when the headers do not fit in one frame. */
  headers(streamId: number, headers: Metadata): void {
    const size = metadataSize(headers);
    checkControlSize('HEADERS', size);
    const o = this.frame(FrameType.HEADERS, 0, streamId, size);
    writeMetadata(headers, this.buf, o);
  }

  /** A status too large for one frame is replaced by INTERNAL without trailers. */
  status(streamId: number, s: Status): void {
    const message = s.message.length > MAX_STATUS_MESSAGE_CHARS ? s.message.slice(0, MAX_STATUS_MESSAGE_CHARS) + '…' : s.message;
    const msgLen = utf8Length(message);
    const details = s.details ?? EMPTY;
    const size = 9 + msgLen + details.byteLength + metadataSize(s.trailers);
    if (HEADER_BYTES + size > MAX_CONTROL_FRAME_BYTES) {
      this.status(streamId, { code: Code.INTERNAL, message: `status of ${size} bytes (message, details and trailers) exceeds the ${MAX_CONTROL_FRAME_BYTES}-byte frame limit`, trailers: new Metadata() });
      return;
    }
    const o = this.frame(FrameType.STATUS, 0, streamId, size);
    const b = this.buf;
    b[o] = s.code;
    writeU32(b, o + 1, msgLen);
    writeUtf8(message, b, o + 5);
    writeU32(b, o + 5 + msgLen, details.byteLength);
    b.set(details, o + 9 + msgLen);
    writeMetadata(s.trailers, b, o + 9 + msgLen + details.byteLength);
  }

  cancel(streamId: number, code: Code, message: string): void {
    const text = message.slice(0, 1024);
    const len = utf8Length(text);
    const o = this.frame(FrameType.CANCEL, 0, streamId, 5 + len);
    this.buf[o] = code;
    writeU32(this.buf, o + 1, len);
    writeUtf8(text, this.buf, o + 5);
  }

  windowUpdate(streamId: number, increment: number): void {
    const o = this.frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
    writeU32(this.buf, o, increment);
  }

  ping(data: Uint8Array): void {
    const o = this.frame(FrameType.PING, 0, 0, data.byteLength);
    this.buf.set(data, o);
  }

  pong(data: Uint8Array): void {
    const o = this.frame(FrameType.PONG, 0, 0, data.byteLength);
    this.buf.set(data, o);
  }

  goaway(lastStreamId: number, code: Code, message: string): void {
    const text = message.slice(0, 1024);
    const len = utf8Length(text);
    const o = this.frame(FrameType.GOAWAY, 0, 0, 9 + len);
    writeU32(this.buf, o, lastStreamId);
    this.buf[o + 4] = code;
    writeU32(this.buf, o + 5, len);
    writeUtf8(text, this.buf, o + 9);
  }
}

function checkControlSize(frame: string, payloadBytes: number): void {
  if (HEADER_BYTES + payloadBytes > MAX_CONTROL_FRAME_BYTES) {
    throw fail('TRANSPORT_METADATA_TOO_LARGE', `${frame} frame of ${HEADER_BYTES + payloadBytes} bytes (method and metadata) exceeds the ${MAX_CONTROL_FRAME_BYTES}-byte limit`);
  }
}

/** True for the error {@link BinaryFrameWriter} throws on oversized metadata. */
export function isMetadataTooLarge(err: unknown): err is SwitchyardError {
  return err instanceof SwitchyardError && err.id === 'TRANSPORT_METADATA_TOO_LARGE';
}
