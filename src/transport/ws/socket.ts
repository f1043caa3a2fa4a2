/**
 * A thin port over the two WebSocket APIs a connection can sit on: the `ws` package's
 * (Node; Buffer messages through `on('message')`, `terminate()`) and the WHATWG one
 * (browsers, Deno, Node 22's global; ArrayBuffer messages through `onmessage`).
 */

/** What a connection needs from a WebSocket. */
export interface SocketPort {
  /** Bytes queued in the socket, not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Sends one binary (bytes) or text (string) WebSocket message. */
  send(data: Uint8Array | string): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection at once (a plain close where the API has no terminate). */
  terminate(): void;
}

/** Events a {@link SocketPort} reports. */
export interface SocketEvents {
  onOpen?(): void;
  onData(data: Uint8Array | string): void;
  onClose(code: number, reason: string): void;
  onError(err: Error): void;
}

/** The subset of the `ws` package's WebSocket used here. */
export interface NodeWsLike {
  readonly bufferedAmount: number;
  readonly protocol: string;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'open', listener: () => void): unknown;
}

/** The subset of a WHATWG WebSocket used here. */
export interface WhatwgWebSocketLike {
  readonly bufferedAmount: number;
  readonly protocol: string;
  binaryType: string;
  send(data: ArrayBufferView | string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** True when the socket is a `ws` package WebSocket (it has `on` and `terminate`). */
export function isNodeWs(socket: unknown): socket is NodeWsLike {
  const s = socket as Partial<NodeWsLike>;
  return typeof s.on === 'function' && typeof s.terminate === 'function';
}

/** Wraps a `ws` package WebSocket. */
export function nodeWsPort(ws: NodeWsLike, events: SocketEvents): SocketPort {
  ws.on('message', (data, isBinary) => events.onData(isBinary ? data : data.toString('utf8')));
  ws.on('close', (code, reason) => events.onClose(code, reason.toString('utf8')));
  ws.on('error', (err) => events.onError(err));
  if (events.onOpen) ws.on('open', () => events.onOpen!());
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}

/** Wraps a WHATWG WebSocket (sets `binaryType` to `arraybuffer`). */
export function whatwgPort(ws: WhatwgWebSocketLike, events: SocketEvents): SocketPort {
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const d = ev.data;
    if (typeof d === 'string') events.onData(d);
    else if (d instanceof ArrayBuffer) events.onData(new Uint8Array(d));
    else if (ArrayBuffer.isView(d)) events.onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    else events.onError(new Error('WebSocket delivered a message that is neither text nor bytes (is binaryType "arraybuffer"?)'));
  };
  ws.onclose = (ev) => events.onClose(ev.code, ev.reason);
  ws.onerror = (ev) => events.onError(new Error(describeErrorEvent(ev)));
  if (events.onOpen) ws.onopen = () => events.onOpen!();
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => {
      ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    },
  };
}

function describeErrorEvent(ev: unknown): string {
  const e = ev as { message?: unknown; error?: { message?: unknown } } | undefined;
  if (typeof e?.message === 'string' && e.message) return e.message;
  if (typeof e?.error?.message === 'string') return e.error.message;
  return 'WebSocket error';
}
