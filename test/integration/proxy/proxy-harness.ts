/**
 * A {@link TransportHarness} for the proxy: `startServer` starts the real upstream (gRPC or
 * WebSocket) with the suite's handler and a real proxy in front of it; clients connect to
 * the proxy's listener of the client transport. The shared call-shape suite then runs
 * unchanged through the proxy.
 */
import { parseProxyConfig, type ProxyConfigInput } from '../../../src/proxy/config.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { startProxy } from '../../../src/proxy/proxy.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import type { ServerTransport, TransportName } from '../../../src/transport/transport.js';
import type { TransportHarness } from '../../helpers/transport-harness.js';
import { CHAT_PROTO } from './chat-backends.js';

/** The proxy between a `client` transport and an `upstream` transport. */
export function proxyHarness(client: TransportName, upstream: TransportName, extra: Partial<ProxyConfigInput> = {}): TransportHarness {
  return {
    name: `proxy ${client}→${upstream}`,
    transport: client,
    async startServer(options) {
      const up = upstream === 'grpc' ? createGrpcServer({ ...options, host: '127.0.0.1', port: 0 }) : createWsServer({ ...options, host: '127.0.0.1', port: 0 });
      const a = await up.listen();
      const url = `${upstream}://127.0.0.1:${a.port}`;
      const config = parseProxyConfig({
        proto: { files: [CHAT_PROTO] },
        listen: { [client]: '127.0.0.1:0' },
        upstreams: { legacy: url, next: url },
        limits: { ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}), ...(options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}) },
        heartbeat: options.heartbeat ?? null,
        ...extra,
      });
      const proxy = await startProxy(config, { transports: engineTransports() });
      const server: ServerTransport = {
        name: client,
        listen: async () => ({ host: '127.0.0.1', port: Number(proxy.addresses[client]!.split(':')[1]) }),
        async shutdown(graceMs) {
          await proxy.stop(graceMs);
          await up.shutdown(0);
        },
        get activeCalls() {
          return proxy.activeCalls + up.activeCalls;
        },
      };
      return { server, address: proxy.addresses[client]! };
    },
    createClient(address, options) {
      return client === 'grpc' ? createGrpcClient({ ...options, address }) : createWsClient({ ...options, address });
    },
  };
}
