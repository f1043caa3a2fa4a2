/** The native gRPC engine's harness for the shared call-shape suite. */
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import type { TransportHarness } from '../../helpers/transport-harness.js';

/** Starts native gRPC servers and clients (short reconnect backoff for tests). */
export const grpcNativeHarness: TransportHarness = {
  name: 'grpc-native',
  transport: 'grpc',
  async startServer(options) {
    const server = createGrpcServer(options);
    const { port } = await server.listen();
    return { server, address: `127.0.0.1:${port}` };
  },
  createClient(address, options = {}) {
    return createGrpcClient({ connectTimeoutMs: 2000, backoff: { initialMs: 50, maxMs: 500 }, ...options, address });
  },
};
