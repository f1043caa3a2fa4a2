/**
 * Decodes the binary frames of one WebSocket message and hands each to a
 * {@link FrameHandler}. MESSAGE payloads are views into the received bytes (no copy); a
 * handler with `onMessageRun` gets consecutive MESSAGE frames of one stream as one run.
 * Anything malformed throws a {@link ProtocolError} naming the frame type and the problem.
 */
import { codeFromWire, type Code } from '../../errors.js';
import { readU32, readUtf8, readU16 } from './bytes.js';
import { FLAG_HAS_TIMEOUT, FrameType, HEADER_BYTES, MAX_CONTROL_FRAME_BYTES, PING_BYTES, protocolError, type FrameHandler } from './frames.js';
import { readMetadata } from './metadata-codec.js';

/** Decodes every frame in `data` (one WebSocket message) in order. */
export function decodeFrames(data: Uint8Array, handler: FrameHandler): void {
  const end = data.byteLength;
  const ab = data.buffer;
  const base = data.byteOffset;
  let o = 0;
  while (o < end) {
    if (end - o < HEADER_BYTES) protocolError('frame header', 0, `${end - o} bytes left in the WebSocket message, a header needs ${HEADER_BYTES}`);
    const type = data[o]!;
    const flags = data[o + 1]!;
    const streamId = readU32(data, o + 2);
    const len = readU32(data, o + 6);
    const start = o + HEADER_BYTES;
    if (len > end - start) protocolError(type, streamId, `payload length ${len} exceeds the ${end - start} bytes left in the WebSocket message`);
    o = start + len;
    if (type === FrameType.MESSAGE) {
      if (streamId === 0) protocolError(type, 0, 'stream id 0 is reserved for connection frames');
      if (handler.onMessageRun !== undefined) {
        o = messageRun(data, start - HEADER_BYTES, o, len, streamId, handler);
        continue;
      }
      // A plain Uint8Array view: cheaper to create than Buffer#subarray, and no copy.
      handler.onMessage(streamId, new Uint8Array(ab, base + start, len), HEADER_BYTES + len);
      continue;
    }
    if (HEADER_BYTES + len > MAX_CONTROL_FRAME_BYTES) protocolError(type, streamId, `frame of ${HEADER_BYTES + len} bytes exceeds the ${MAX_CONTROL_FRAME_BYTES}-byte limit for frames other than MESSAGE`);
    decodeControl(type, flags, streamId, data, start, o, handler);
  }
}

/**
 * Extends the MESSAGE frame at `from` (ending at `next`) with the complete MESSAGE frames of
 * the same stream that follow, and hands the run to the handler. Returns the run's end. A
 * malformed frame ends the run; the main loop then reports it.
 */
function messageRun(data: Uint8Array, from: number, next: number, firstLen: number, streamId: number, handler: FrameHandler): number {
  const end = data.byteLength;
  let o = next;
  let last = from;
  let count = 1;
  let maxBytes = firstLen;
  while (end - o >= HEADER_BYTES && data[o] === FrameType.MESSAGE && readU32(data, o + 2) === streamId) {
    const len = readU32(data, o + 6);
    if (len > end - o - HEADER_BYTES) break;
    last = o;
    o += HEADER_BYTES + len;
    count++;
    if (len > maxBytes) maxBytes = len;
  }
  handler.onMessageRun!(streamId, data, from, o, count, maxBytes, last);
  return o;
}

function decodeControl(type: number, flags: number, sid: number, b: Uint8Array, start: number, end: number, h: FrameHandler): void {
  const len = end - start;
  const connectionFrame = type === FrameType.SETTINGS || type === FrameType.PING || type === FrameType.PONG || type === FrameType.GOAWAY;
  if (type < FrameType.SETTINGS || type > FrameType.GOAWAY) protocolError(type, sid, 'unknown frame type');
  if (connectionFrame && sid !== 0) protocolError(type, sid, 'connection frame must use stream id 0');
  if (!connectionFrame && sid === 0) protocolError(type, 0, 'stream id 0 is reserved for connection frames');
  switch (type) {
    case FrameType.SETTINGS:
      if (len < 12) protocolError(type, 0, `payload of ${len} bytes, expected at least 12`);
      h.onSettings({ maxMessageBytes: readU32(b, start), initialWindow: readU32(b, start + 4), maxConcurrentStreams: readU32(b, start + 8) });
      return;
    case FrameType.OPEN: {
      if (len < 6) protocolError(type, sid, `payload of ${len} bytes, expected at least 6`);
      const timeout = readU32(b, start);
      const methodLen = readU16(b, start + 4);
      if (methodLen === 0 || methodLen > len - 6) protocolError(type, sid, `bad method length ${methodLen}`);
      const method = text(b, start + 6, start + 6 + methodLen, type, sid, 'method');
      const { metadata, next } = readMetadata(b, start + 6 + methodLen, end, type, sid);
      exact(next, end, type, sid);
      h.onOpen(sid, method, metadata, flags & FLAG_HAS_TIMEOUT ? timeout : undefined);
      return;
    }
    case FrameType.HALF_CLOSE:
      exact(start, end, type, sid);
      h.onHalfClose(sid);
      return;
    case FrameType.HEADERS: {
      const { metadata, next } = readMetadata(b, start, end, type, sid);
      exact(next, end, type, sid);
      h.onHeaders(sid, metadata);
      return;
    }
    case FrameType.STATUS: {
      const [code, message, o] = codeAndText(b, start, end, type, sid);
      if (end - o < 4) protocolError(type, sid, 'truncated before the details length');
      const detailsLen = readU32(b, o);
      if (detailsLen > end - o - 4) protocolError(type, sid, `details length ${detailsLen} exceeds the frame`);
      const details = detailsLen ? b.slice(o + 4, o + 4 + detailsLen) : undefined;
      const { metadata, next } = readMetadata(b, o + 4 + detailsLen, end, type, sid);
      exact(next, end, type, sid);
      h.onStatus(sid, { code, message, details, trailers: metadata });
      return;
    }
    case FrameType.CANCEL: {
      const [code, message, o] = codeAndText(b, start, end, type, sid);
      exact(o, end, type, sid);
      h.onCancel(sid, code, message);
      return;
    }
    case FrameType.WINDOW_UPDATE: {
      if (len !== 4) protocolError(type, sid, `payload of ${len} bytes, expected 4`);
      const inc = readU32(b, start);
      if (inc === 0 || inc > 0x7fff_ffff) protocolError(type, sid, `increment ${inc} is outside 1..2147483647`);
      h.onWindowUpdate(sid, inc);
      return;
    }
    case FrameType.PING:
    case FrameType.PONG:
      if (len !== PING_BYTES) protocolError(type, 0, `payload of ${len} bytes, expected ${PING_BYTES}`);
      if (type === FrameType.PING) h.onPing(b.subarray(start, end));
      else h.onPong(b.subarray(start, end));
      return;
    case FrameType.GOAWAY: {
      if (len < 9) protocolError(type, 0, `payload of ${len} bytes, expected at least 9`);
      const last = readU32(b, start);
      const [code, message, o] = codeAndText(b, start + 4, end, type, 0);
      exact(o, end, type, 0);
      h.onGoaway(last, code, message);
      return;
    }
  }
}

function codeAndText(b: Uint8Array, o: number, end: number, type: number, sid: number): [Code, string, number] {
  if (end - o < 5) protocolError(type, sid, 'truncated before the message length');
  const raw = b[o]!;
  if (raw > 16) protocolError(type, sid, `status code ${raw} is not one of the 17 gRPC codes`);
  const len = readU32(b, o + 1);
  if (len > end - o - 5) protocolError(type, sid, `message length ${len} exceeds the frame`);
  return [codeFromWire(raw), text(b, o + 5, o + 5 + len, type, sid, 'message'), o + 5 + len];
}

function text(b: Uint8Array, start: number, end: number, type: number, sid: number, what: string): string {
  try {
    return readUtf8(b, start, end);
  } catch {
    return protocolError(type, sid, `${what} is not valid UTF-8`);
  }
}

function exact(next: number, end: number, type: number, sid: number): void {
  if (next !== end) protocolError(type, sid, `${end - next} unexpected bytes after the payload`);
}
