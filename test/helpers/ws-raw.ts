/**
 * A raw WebSocket peer for protocol tests: builds binary frames straight from the byte
 * layout in docs/ws-protocol.md (independently of the transport's encoder) and records
 * what the server sends back (decoded with the transport's reader).
 */
import WebSocket from 'ws';
import { decodeFrames } from '../../src/transport/ws/binary-reader.js';
import type { FrameHandler } from '../../src/transport/ws/frames.js';
import type { Metadata } from '../../src/transport/metadata.js';
import type { Status } from '../../src/transport/status.js';

/** Frame type numbers, as the spec lists them. */
export const T = { SETTINGS: 1, OPEN: 2, MESSAGE: 3, HALF_CLOSE: 4, HEADERS: 5, STATUS: 6, CANCEL: 7, WINDOW_UPDATE: 8, PING: 9, PONG: 10, GOAWAY: 11 } as const;

/** One frame: 10-byte header (type, flags, stream id u32 BE, length u32 BE) + payload. */
export function frame(type: number, streamId: number, payload: Uint8Array = new Uint8Array(0), flags = 0): Buffer {
  const b = Buffer.alloc(10 + payload.length);
  b[0] = type;
  b[1] = flags;
  b.writeUInt32BE(streamId, 2);
  b.writeUInt32BE(payload.length, 6);
  Buffer.from(payload).copy(b, 10);
  return b;
}

/** SETTINGS payload: maxMessageBytes, initialWindow, maxConcurrentStreams (u32 BE each). */
export function settings(maxMessageBytes = 4 << 20, initialWindow = 1 << 20, maxConcurrentStreams = 0): Buffer {
  const p = Buffer.alloc(12);
  p.writeUInt32BE(maxMessageBytes, 0);
  p.writeUInt32BE(initialWindow, 4);
  p.writeUInt32BE(maxConcurrentStreams, 8);
  return frame(T.SETTINGS, 0, p);
}

/** Metadata block: u16 count, then (u16 key length, key, u32 value length, value). */
export function metadataBlock(entries: Array<[string, string | Uint8Array]> = []): Buffer {
  const parts: Buffer[] = [Buffer.from([entries.length >> 8, entries.length & 255])];
  for (const [k, v] of entries) {
    const key = Buffer.from(k, 'ascii');
    const value = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
    const head = Buffer.alloc(6);
    head.writeUInt16BE(key.length, 0);
    parts.push(head.subarray(0, 2), key);
    head.writeUInt32BE(value.length, 2);
    parts.push(head.subarray(2, 6), value);
  }
  return Buffer.concat(parts);
}

/** OPEN: u32 timeoutMs (valid with flag 0x01), u16 method length, method, metadata block. */
export function open(streamId: number, method: string, entries: Array<[string, string | Uint8Array]> = [], timeoutMs?: number): Buffer {
  const m = Buffer.from(method, 'utf8');
  const head = Buffer.alloc(6);
  head.writeUInt32BE(timeoutMs ?? 0, 0);
  head.writeUInt16BE(m.length, 4);
  return frame(T.OPEN, streamId, Buffer.concat([head, m, metadataBlock(entries)]), timeoutMs === undefined ? 0 : 1);
}

/** Everything the server sent, decoded. */
export interface Received {
  frames: Array<{ type: string; streamId: number; status?: Status; message?: Uint8Array; metadata?: Metadata; increment?: number; lastStreamId?: number; text?: string }>;
  settings?: { maxMessageBytes: number; initialWindow: number; maxConcurrentStreams: number };
  texts: string[];
  close?: { code: number; reason: string };
}

/** A connected raw peer. */
export interface RawPeer {
  ws: WebSocket;
  received: Received;
  send(...frames: Buffer[]): void;
  closed: Promise<{ code: number; reason: string }>;
  statusOf(streamId: number): Status | undefined;
}

/** Connects with the given subprotocols (default the binary one) and records what arrives. */
export async function connectRaw(address: string, protocols: string[] = ['switchyard.v1'], headers: Record<string, string> = {}): Promise<RawPeer> {
  const ws = new WebSocket(`ws://${address}/`, protocols, { headers, perMessageDeflate: false });
  const received: Received = { frames: [], texts: [] };
  const handler: FrameHandler = {
    onSettings: (s) => (received.settings = s),
    onOpen: (streamId) => received.frames.push({ type: 'OPEN', streamId }),
    onMessage: (streamId, message) => received.frames.push({ type: 'MESSAGE', streamId, message: message.slice() }),
    onHalfClose: (streamId) => received.frames.push({ type: 'HALF_CLOSE', streamId }),
    onHeaders: (streamId, metadata) => received.frames.push({ type: 'HEADERS', streamId, metadata }),
    onStatus: (streamId, status) => received.frames.push({ type: 'STATUS', streamId, status }),
    onCancel: (streamId) => received.frames.push({ type: 'CANCEL', streamId }),
    onWindowUpdate: (streamId, increment) => received.frames.push({ type: 'WINDOW_UPDATE', streamId, increment }),
    onPing: () => received.frames.push({ type: 'PING', streamId: 0 }),
    onPong: () => received.frames.push({ type: 'PONG', streamId: 0 }),
    onGoaway: (lastStreamId, _code, text) => received.frames.push({ type: 'GOAWAY', streamId: 0, lastStreamId, text }),
  };
  ws.on('message', (data: Buffer, isBinary) => (isBinary ? decodeFrames(data, handler) : received.texts.push(data.toString('utf8'))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve((received.close = { code, reason: reason.toString() }))));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('close', () => resolve());
  });
  return {
    ws,
    received,
    send: (...frames) => ws.send(Buffer.concat(frames)),
    closed,
    statusOf: (id) => received.frames.find((f) => f.type === 'STATUS' && f.streamId === id)?.status,
  };
}
