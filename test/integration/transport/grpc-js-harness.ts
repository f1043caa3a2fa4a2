/** The @grpc/grpc-js engine's harness for the shared call-shape suite. */
import { createGrpcJsClient, createGrpcJsServer } from '../../../src/transport/grpc-js/index.js';
import type { TransportHarness } from '../../helpers/transport-harness.js';

/** Starts grpc-js servers and clients (short reconnect backoff for tests). */
export const grpcJsHarness: TransportHarness = {
  name: 'grpc-js',
  transport: 'grpc',
  async startServer(options) {
    const server = createGrpcJsServer(options);
    const { port } = await server.listen();
    return { server, address: `127.0.0.1:${port}` };
  },
  createClient(address, options = {}) {
    return createGrpcJsClient({ backoff: { initialMs: 50, maxMs: 500 }, ...options, address });
  },
};
