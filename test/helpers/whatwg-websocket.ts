/**
 * A WebSocket class with only the WHATWG (browser) API — `onopen`/`onmessage`/`onclose`/
 * `onerror`, `binaryType`, `bufferedAmount`, `protocol`, `send`, `close`; no `on()`, no
 * `terminate()`, no constructor options — built on the `ws` package. It drives the client
 * down the same code path a browser's WebSocket does, over real sockets.
 */
import WebSocket from 'ws';

type Handler<E> = ((ev: E) => void) | null;

/** Browser-shaped WebSocket over `ws`. */
export class WhatwgOnlyWebSocket {
  readonly #ws: WebSocket;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<{ message: string }> = null;

  constructor(url: string, protocols?: string | string[]) {
    this.#ws = new WebSocket(url, protocols);
    this.#ws.binaryType = 'arraybuffer';
    this.#ws.on('open', () => this.onopen?.({}));
    this.#ws.on('message', (data: ArrayBuffer, isBinary: boolean) => this.onmessage?.({ data: isBinary ? data : Buffer.from(data).toString('utf8') }));
    this.#ws.on('close', (code: number, reason: Buffer) => this.onclose?.({ code, reason: reason.toString() }));
    this.#ws.on('error', (err: Error) => this.onerror?.({ message: err.message }));
  }

  get binaryType(): string {
    return 'arraybuffer';
  }

  set binaryType(value: string) {
    if (value !== 'arraybuffer') throw new Error(`this test WebSocket only supports binaryType "arraybuffer", not "${value}"`);
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get protocol(): string {
    return this.#ws.protocol;
  }

  send(data: ArrayBufferView | string): void {
    this.#ws.send(typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
}
