/**
 * The frames of the switchyard WebSocket protocol, shared by the binary and JSON
 * subprotocols. The wire format is specified in docs/ws-protocol.md.
 */
import type { Code } from '../../errors.js';
import type { Metadata } from '../metadata.js';
import type { Status } from '../status.js';

/** Frame type numbers (byte 0 of a binary frame). */
export const FrameType = {
  SETTINGS: 1,
  OPEN: 2,
  MESSAGE: 3,
  HALF_CLOSE: 4,
  HEADERS: 5,
  STATUS: 6,
  CANCEL: 7,
  WINDOW_UPDATE: 8,
  PING: 9,
  PONG: 10,
  GOAWAY: 11,
} as const;

const NAMES: readonly string[] = ['', 'SETTINGS', 'OPEN', 'MESSAGE', 'HALF_CLOSE', 'HEADERS', 'STATUS', 'CANCEL', 'WINDOW_UPDATE', 'PING', 'PONG', 'GOAWAY'];

/** `3` → `"MESSAGE"`; unknown numbers → `"frame type 0x2a"`. */
export function frameName(type: number): string {
  return NAMES[type] || `frame type 0x${type.toString(16).padStart(2, '0')}`;
}

/** Bytes of a binary frame header: type u8, flags u8, stream id u32, payload length u32. */
export const HEADER_BYTES = 10;
/** OPEN flag: the timeout field is set. */
export const FLAG_HAS_TIMEOUT = 0x01;
/** Largest frame other than MESSAGE (header included): 64 KiB. */
export const MAX_CONTROL_FRAME_BYTES = 65_536;
/** Largest WINDOW_UPDATE increment and largest window. */
export const MAX_WINDOW = 0x7fff_ffff;
/** Bytes of a PING/PONG payload. */
export const PING_BYTES = 8;
/** Slack above `maxMessageBytes` a WebSocket message may have (frame headers, coalesced frames). */
export const WS_MESSAGE_SLACK_BYTES = 65_536;

/** What each peer announces in its first frame. */
export interface Settings {
  /** Largest MESSAGE payload this peer accepts. */
  maxMessageBytes: number;
  /** Credit this peer grants the sender of every new stream, in credit units. */
  initialWindow: number;
  /** Concurrent streams this peer accepts (0: the peer does not accept streams, i.e. a client). */
  maxConcurrentStreams: number;
}

/** Receives decoded frames (from either subprotocol). Methods may throw {@link ProtocolError}. */
export interface FrameHandler {
  onSettings(settings: Settings): void;
  onOpen(streamId: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void;
  onMessage(streamId: number, message: Uint8Array, cost: number): void;
  /**
   * Optional: consecutive complete MESSAGE frames of one stream, `data[from, to)`, instead
   * of one `onMessage` each. `count` frames, the largest payload `maxBytes`, the last frame
   * starting at `lastStart`.
   */
  onMessageRun?(streamId: number, data: Uint8Array, from: number, to: number, count: number, maxBytes: number, lastStart: number): void;
  onHalfClose(streamId: number): void;
  onHeaders(streamId: number, headers: Metadata): void;
  onStatus(streamId: number, status: Status): void;
  onCancel(streamId: number, code: Code, message: string): void;
  onWindowUpdate(streamId: number, increment: number): void;
  onPing(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  onGoaway(lastStreamId: number, code: Code, message: string): void;
}

/** Sends frames (binary or JSON). Calls may be coalesced until the next flush. */
export interface FrameSink {
  settings(settings: Settings): void;
  open(streamId: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void;
  /** Sends a MESSAGE; returns its flow-control cost. */
  message(streamId: number, message: Uint8Array): number;
  /** Optional (binary only): sends a relayed run of messages as MESSAGE frames; returns its flow-control cost. */
  run?(streamId: number, run: import('../relay.js').MessageRun): number;
  halfClose(streamId: number): void;
  headers(streamId: number, headers: Metadata): void;
  status(streamId: number, status: Status): void;
  cancel(streamId: number, code: Code, message: string): void;
  windowUpdate(streamId: number, increment: number): void;
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  goaway(lastStreamId: number, code: Code, message: string): void;
  /** Sends whatever is buffered now. */
  flush(): void;
}

/** A violation of the protocol: the connection is closed with code 1002 and this reason. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    /** Frame type name (`MESSAGE`) or what was being parsed. */
    readonly frame: string,
    /** Stream id, 0 for connection frames. */
    readonly streamId: number,
    /** What was wrong. */
    readonly problem: string,
  ) {
    super(streamId ? `${frame} stream ${streamId}: ${problem}` : `${frame}: ${problem}`);
  }
}

/** Throws a {@link ProtocolError}. */
export function protocolError(frame: number | string, streamId: number, problem: string): never {
  throw new ProtocolError(typeof frame === 'number' ? frameName(frame) : frame, streamId, problem);
}

/** The flow-control cost of a MESSAGE in the binary subprotocol: header plus payload bytes. */
export function binaryCost(payloadBytes: number): number {
  return HEADER_BYTES + payloadBytes;
}

/** WebSocket close codes used by the protocol. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  TRY_AGAIN_LATER: 1013,
} as const;

/** Truncates a close reason to the 123 UTF-8 bytes a WebSocket close frame allows. */
export function closeReason(text: string): string {
  const enc = new TextEncoder();
  if (enc.encode(text).length <= 123) return text;
  let s = text.slice(0, 122);
  while (enc.encode(s + '…').length > 123) s = s.slice(0, -1);
  return s + '…';
}
