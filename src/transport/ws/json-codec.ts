/**
 * The JSON text subprotocol (`switchyard.v1.json`): one frame per text WebSocket message,
 * as a JSON object with a `type`. Messages use the proto3 JSON mapping of the method's
 * request/response type; metadata values of `-bin` keys and status details are base64.
 * Credit is counted in messages (each MESSAGE costs 1).
 */
import type protobuf from 'protobufjs';
import { Code, codeName } from '../../errors.js';
import { bytesToJson } from '../../schema/codec.js';
import { Metadata, isBinaryKey } from '../metadata.js';
import type { Status } from '../status.js';
import { fromBase64, toBase64 } from './bytes.js';
import { protocolError, type FrameHandler, type FrameSink, type Settings } from './frames.js';

/** JSON frame `type` names, by binary frame type. */
export const JSON_TYPES = ['settings', 'open', 'message', 'half-close', 'headers', 'status', 'cancel', 'window-update', 'ping', 'pong', 'goaway'] as const;

/** A handler that also takes proto3 JSON messages (converted by whoever knows the stream's method). */
export interface JsonFrameHandler extends FrameHandler {
  onJsonMessage(streamId: number, message: unknown): void;
  /** Called with each frame's type before it is handled. */
  beforeFrame?(type: string): void;
}

type Obj = Record<string, unknown>;

/** Parses one text message and hands its frame to `h`. Throws ProtocolError. */
export function decodeJsonFrame(text: string, h: JsonFrameHandler): void {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch (err) {
    protocolError('JSON text message', 0, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof f !== 'object' || f === null || Array.isArray(f)) protocolError('JSON text message', 0, 'must be a JSON object with a "type"');
  const o = f as Obj;
  const type = o['type'];
  if (typeof type !== 'string' || !(JSON_TYPES as readonly string[]).includes(type)) protocolError('JSON text message', 0, `unknown frame type ${JSON.stringify(type)}`);
  const name = type.toUpperCase().replace('-', '_');
  const connectionFrame = type === 'settings' || type === 'ping' || type === 'pong' || type === 'goaway';
  const sid = connectionFrame ? 0 : int(o, 'stream', name, 0, 1, 0xffff_ffff);
  h.beforeFrame?.(type);
  switch (type) {
    case 'settings':
      return h.onSettings({
        maxMessageBytes: int(o, 'maxMessageBytes', name, 0, 1, 0xffff_ffff),
        initialWindow: int(o, 'initialWindow', name, 0, 1, 0x7fff_ffff),
        maxConcurrentStreams: o['maxConcurrentStreams'] === undefined ? 0 : int(o, 'maxConcurrentStreams', name, 0, 0, 0xffff_ffff),
      });
    case 'open': {
      const method = o['method'];
      if (typeof method !== 'string' || method === '') protocolError(name, sid, '"method" must be a non-empty string');
      const timeout = o['timeoutMs'] === undefined ? undefined : int(o, 'timeoutMs', name, sid, 0, 0xffff_ffff);
      return h.onOpen(sid, method, metadataFromJson(o['metadata'], name, sid), timeout);
    }
    case 'message':
      if (!('message' in o)) protocolError(name, sid, 'missing "message"');
      return h.onJsonMessage(sid, o['message']);
    case 'half-close':
      return h.onHalfClose(sid);
    case 'headers':
      return h.onHeaders(sid, metadataFromJson(o['metadata'], name, sid));
    case 'status': {
      const details = o['details'] === undefined ? undefined : base64(o['details'], name, sid, 'details');
      return h.onStatus(sid, { code: int(o, 'code', name, sid, 0, 16), message: str(o, 'message', name, sid), details, trailers: metadataFromJson(o['trailers'], name, sid) });
    }
    case 'cancel':
      return h.onCancel(sid, o['code'] === undefined ? Code.CANCELLED : int(o, 'code', name, sid, 0, 16), str(o, 'message', name, sid));
    case 'window-update':
      return h.onWindowUpdate(sid, int(o, 'increment', name, sid, 1, 0x7fff_ffff));
    case 'ping':
    case 'pong': {
      const data = str(o, 'data', name, 0);
      if (data.length > 64) protocolError(name, 0, '"data" is longer than 64 characters');
      const bytes = new TextEncoder().encode(data);
      return type === 'ping' ? h.onPing(bytes) : h.onPong(bytes);
    }
    case 'goaway':
      return h.onGoaway(int(o, 'lastStream', name, 0, 0, 0xffff_ffff), int(o, 'code', name, 0, 0, 16), str(o, 'message', name, 0));
  }
}

function int(o: Obj, key: string, frame: string, sid: number, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) protocolError(frame, sid, `"${key}" must be an integer in ${min}..${max}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function str(o: Obj, key: string, frame: string, sid: number): string {
  const v = o[key] ?? '';
  if (typeof v !== 'string') protocolError(frame, sid, `"${key}" must be a string`);
  return v;
}

function base64(v: unknown, frame: string, sid: number, what: string): Uint8Array {
  const bytes = typeof v === 'string' ? fromBase64(v) : undefined;
  if (!bytes) protocolError(frame, sid, `${what} must be a base64 string`);
  return bytes;
}

/** `{ "key": "v" | ["v1", "v2"] }` → Metadata; `-bin` values are base64. */
export function metadataFromJson(v: unknown, frame: string, sid: number): Metadata {
  const md = new Metadata();
  if (v === undefined || v === null) return md;
  if (typeof v !== 'object' || Array.isArray(v)) protocolError(frame, sid, 'metadata must be an object of key → string or string[]');
  for (const [key, raw] of Object.entries(v as Obj)) {
    for (const one of Array.isArray(raw) ? raw : [raw]) {
      if (typeof one !== 'string') protocolError(frame, sid, `metadata "${key}": values must be strings`);
      try {
        md.add(key, isBinaryKey(key.toLowerCase()) ? base64(one, frame, sid, `metadata "${key}"`) : one);
      } catch (err) {
        protocolError(frame, sid, `metadata "${key}": ${(err as { rawMessage?: string }).rawMessage ?? (err as Error).message}`);
      }
    }
  }
  return md;
}

/** Metadata → `{ "key": ["v", ...] }` with `-bin` values in base64. */
export function metadataToJson(md: Metadata | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (md) for (const [k, vs] of md.entries()) out[k] = vs.map((v) => (typeof v === 'string' ? v : toBase64(v)));
  return out;
}

/** Sends frames as JSON text messages, one per frame. */
export class JsonFrameWriter implements FrameSink {
  constructor(
    private readonly send: (text: string) => void,
    /** The response type of a stream's method. */
    private readonly responseType: (streamId: number) => protobuf.Type | undefined,
    /** A response message could not be converted to JSON. */
    private readonly onEncodeError: (streamId: number, err: unknown) => void,
  ) {}

  private out(frame: Obj): void {
    this.send(JSON.stringify(frame));
  }

  settings(s: Settings): void {
    this.out({ type: 'settings', ...s });
  }
  open(stream: number, method: string, metadata: Metadata, timeoutMs: number | undefined): void {
    this.out({ type: 'open', stream, method, metadata: metadataToJson(metadata), ...(timeoutMs === undefined ? {} : { timeoutMs: Math.ceil(timeoutMs) }) });
  }
  message(stream: number, message: Uint8Array): number {
    const type = this.responseType(stream);
    try {
      if (!type) throw new Error(`no message type known for stream ${stream}`);
      this.out({ type: 'message', stream, message: bytesToJson(type, message) });
    } catch (err) {
      queueMicrotask(() => this.onEncodeError(stream, err));
    }
    return 1;
  }
  halfClose(stream: number): void {
    this.out({ type: 'half-close', stream });
  }
  headers(stream: number, headers: Metadata): void {
    this.out({ type: 'headers', stream, metadata: metadataToJson(headers) });
  }
  status(stream: number, s: Status): void {
    this.out({ type: 'status', stream, code: s.code, codeName: codeName(s.code), message: s.message, ...(s.details ? { details: toBase64(s.details) } : {}), trailers: metadataToJson(s.trailers) });
  }
  cancel(stream: number, code: Code, message: string): void {
    this.out({ type: 'cancel', stream, code, message });
  }
  windowUpdate(stream: number, increment: number): void {
    this.out({ type: 'window-update', stream, increment });
  }
  ping(data: Uint8Array): void {
    this.out({ type: 'ping', data: new TextDecoder().decode(data) });
  }
  pong(data: Uint8Array): void {
    this.out({ type: 'pong', data: new TextDecoder().decode(data) });
  }
  goaway(lastStream: number, code: Code, message: string): void {
    this.out({ type: 'goaway', lastStream, code, message });
  }
  flush(): void {
    // Every frame is sent at once.
  }
}
