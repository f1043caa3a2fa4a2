/** The WebSocket transport's harnesses for the shared call-shape suite. */
import { createWsClient, createWsServer } from '../../src/transport/ws/index.js';
import type { WsClientOptions } from '../../src/transport/ws/index.js';
import type { TransportHarness } from './transport-harness.js';
import { WhatwgOnlyWebSocket } from './whatwg-websocket.js';

function wsHarness(name: string, extra: Partial<WsClientOptions>): TransportHarness {
  return {
    name,
    transport: 'ws',
    async startServer(options) {
      const server = createWsServer(options);
      const { port } = await server.listen();
      return { server, address: `127.0.0.1:${port}` };
    },
    createClient(address, options = {}) {
      return createWsClient({ connectTimeoutMs: 2000, backoff: { initialMs: 50, maxMs: 500 }, ...extra, ...options, address });
    },
  };
}

/** Server and client on the `ws` package (the Node default). */
export const wsNodeHarness = wsHarness('ws', {});

/** The client on a browser-shaped WebSocket (WHATWG API only), as in a web page. */
export const wsWhatwgHarness = wsHarness('ws (WHATWG WebSocket API)', { WebSocket: WhatwgOnlyWebSocket });
