/** The WebSocket transport: server on `ws`, client on any WHATWG-style WebSocket. */
export { createWsServer } from './server.js';
export { createWsClient } from './client.js';
export type { WsServerOptions, WsClientOptions, WebSocketConstructor } from './options.js';
export { DEFAULT_INITIAL_WINDOW_BYTES, DEFAULT_INITIAL_WINDOW_MESSAGES, DEFAULT_SOCKET_HIGH_WATER_BYTES } from './options.js';
export { SUBPROTOCOL_BINARY, SUBPROTOCOL_JSON } from './protocol.js';
export { FrameType, HEADER_BYTES, CloseCode } from './frames.js';
